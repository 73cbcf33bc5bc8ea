/**
 * Most parameters an imported model may declare: 200 million (800 MB as float32). Keras VGG16,
 * the largest published source named in the brief, has 138 million; ResNet50 25 million.
 */
export const MAX_IMPORT_PARAMETERS = 200_000_000;
/** model.json holds only topology and manifest; ResNet50's is about 0.3 MB. */
export const MAX_IMPORT_MODEL_JSON_BYTES = 32 * 1024 * 1024;
/** Files one import may carry: model.json plus its shards (VGG16 as converted has 129). */
export const MAX_IMPORT_FILES = 400;

/**
 * The tfjs-layers classes Finetrack can fine-tune (shape inference, surgery and training all know
 * them, and tfjs-layers deserializes them): what the Keras applications MobileNet v1/v2, ResNet50
 * v1/v2, VGG16/19, DenseNet and EfficientNet's blocks and Finetrack's own architectures use.
 * Not here, because tfjs-layers 4.22 cannot load them: Normalization (EfficientNet's stem),
 * TFOpLambda (the `x + 3` of Keras' MobileNetV3 hard-swish) and SpatialDropout2D.
 */
export const KNOWN_LAYER_CLASSES = [
  'InputLayer',
  'Conv2D',
  'DepthwiseConv2D',
  'SeparableConv2D',
  'Dense',
  'MaxPooling2D',
  'AveragePooling2D',
  'GlobalAveragePooling2D',
  'GlobalMaxPooling2D',
  'Flatten',
  'Dropout',
  'BatchNormalization',
  'Activation',
  'ReLU',
  'LeakyReLU',
  'Softmax',
  'Add',
  'Multiply',
  'Concatenate',
  'ZeroPadding2D',
  'Reshape',
] as const;

/** The command that turns a Keras model into what Finetrack imports. */
export const CONVERT_HINT =
  'convert it with `tensorflowjs_converter --input_format=keras model.h5 out/ --output_format=tfjs_layers_model` (or --input_format=keras_saved_model for a SavedModel) and import the folder it writes';
