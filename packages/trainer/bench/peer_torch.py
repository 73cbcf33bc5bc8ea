"""PyTorch peer for the trainer benchmark (src/bench/torch-peer.ts runs it, one configuration
per process so that each one's peak RSS is its own).

Usage: peer_torch.py '{"model": "small-cnn", "batchSize": 64, "frozen": 0, "steps": 6}'
       peer_torch.py '{"model": "mobilenet-v2", "mode": "block", "batchSize": 32, "steps": 3}'
Prints one JSON line: median step wall and CPU milliseconds (warm-up excluded), images/s, peak
RSS. One thread: the caller sets OMP_NUM_THREADS and OPENBLAS_NUM_THREADS, and we pin torch.
"""

import json
import resource
import sys
import time

import torch
from torch import nn

torch.set_num_threads(1)
torch.set_num_interop_threads(1)
torch.manual_seed(0)


def small_cnn(classes):
    """The same layers as src/model/architectures.ts's small-cnn after surgery (new head)."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(),
        nn.Conv2d(32, 32, 3), nn.ReLU(),
        nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(),
        nn.Linear(32 * 12 * 12, 128), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(128, classes),
    )


def timed(step, steps, warmup):
    walls, cpus = [], []
    for index in range(warmup + steps):
        wall, cpu = time.perf_counter(), time.process_time()
        step()
        if index >= warmup:
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
    walls.sort()
    cpus.sort()
    return walls[len(walls) // 2], cpus[len(cpus) // 2]


def train_step(model, optimizer, inputs, labels):
    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = nn.functional.cross_entropy(model(inputs), labels)
        loss.backward()
        optimizer.step()
    return step


def run_small_cnn(config):
    batch = config["batchSize"]
    model = small_cnn(10)
    weight_bearing = [layer for layer in model if isinstance(layer, (nn.Conv2d, nn.Linear))]
    # Surgery counts the kept part (the head is new): "all" freezes every layer but the head.
    for layer in weight_bearing[: config["frozen"]]:
        layer.requires_grad_(False)
    model.train()
    parameters = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(parameters, lr=1e-3)
    inputs = torch.rand(batch, 1, 28, 28)
    labels = torch.randint(0, 10, (batch,))
    wall, cpu = timed(train_step(model, optimizer, inputs, labels), config["steps"], 2)
    return {"stepMilliseconds": wall, "stepCpuMilliseconds": cpu}


def run_mobilenet(config):
    import torchvision

    batch = config["batchSize"]
    model = torchvision.models.mobilenet_v2(num_classes=1000)
    model.classifier[1] = nn.Linear(model.last_channel, 10)  # the 10-class head
    inputs = torch.rand(batch, 3, 224, 224) * 2 - 1
    labels = torch.randint(0, 10, (batch,))
    mode = config["mode"]
    if mode == "linear":
        # The cache's two phases: the frozen network's features once (first epoch), then the head
        # alone on cached features (later epochs).
        model.eval()
        head = model.classifier
        head.train()
        optimizer = torch.optim.Adam(head.parameters(), lr=1e-3)

        def first_epoch_step():
            with torch.no_grad():
                features = nn.functional.adaptive_avg_pool2d(model.features(inputs), 1).flatten(1)
            train_step(head, optimizer, features, labels)()

        with torch.no_grad():
            cached = nn.functional.adaptive_avg_pool2d(model.features(inputs), 1).flatten(1)
        first_wall, first_cpu = timed(first_epoch_step, config["steps"], 1)
        later_wall, later_cpu = timed(train_step(head, optimizer, cached, labels), 20, 3)
        return {
            "firstEpochStepMilliseconds": first_wall,
            "stepMilliseconds": later_wall,
            "stepCpuMilliseconds": later_cpu,
            "firstEpochImagesPerSecond": 1000 * batch / first_wall,
        }
    # features[0] is Conv1 and features[i + 1] is Keras' block_i, so block_13 is features[14].
    frozen = 14 if mode == "block" else 0
    model.train()
    for module in model.features[:frozen]:
        module.requires_grad_(False)
        module.eval()  # frozen batch-norm layers run in inference mode
    parameters = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(parameters, lr=1e-3)
    wall, cpu = timed(train_step(model, optimizer, inputs, labels), config["steps"], 1)
    return {"stepMilliseconds": wall, "stepCpuMilliseconds": cpu}


def main():
    config = json.loads(sys.argv[1])
    result = run_small_cnn(config) if config["model"] == "small-cnn" else run_mobilenet(config)
    result["imagesPerSecond"] = 1000 * config["batchSize"] / result["stepMilliseconds"]
    result["peakRssBytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    result["threads"] = torch.get_num_threads()
    result["torch"] = torch.__version__
    print(json.dumps(result))


main()
