import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NewExperimentForm } from './new-experiment-form';
import { augmentationToSubmit, parseAugmentation } from './sweep-form-model';

afterEach(cleanup);

const models = [
  {
    id: 'model-1',
    name: 'small-cnn',
    architecture: 'cnn',
    layers: [
      { name: 'conv1', type: 'Conv2D', weightBearing: true },
      { name: 'conv2', type: 'Conv2D', weightBearing: true },
      { name: 'output', type: 'Dense', weightBearing: true },
    ],
  },
];
const datasets = [{ id: 'dataset-1', name: 'digits', classNames: ['5', '6'], trainSamples: 500 }];

function renderForm() {
  const onSubmit = vi.fn();
  render(
    <NewExperimentForm
      projectId="project-1"
      models={models}
      datasets={datasets}
      submitting={false}
      onSubmit={onSubmit}
    />,
  );
  return onSubmit;
}

const submitButton = () => screen.getByRole('button', { name: /^Create/ }) as HTMLButtonElement;

describe('the Augmentation fieldset of the new-experiment form', () => {
  it('is off by default and sends no augmentation', () => {
    const onSubmit = renderForm();
    expect((screen.getByLabelText('Random horizontal flip') as HTMLInputElement).checked).toBe(
      false,
    );
    expect((screen.getByLabelText(/Random crop/) as HTMLInputElement).value).toBe('0');
    expect((screen.getByLabelText(/Random rotation/) as HTMLInputElement).value).toBe('0');
    fireEvent.click(submitButton());
    expect(onSubmit.mock.calls[0]![0].sweep.augmentation).toBeUndefined();
  });

  it('sends flip, crop and rotation for every run', () => {
    const onSubmit = renderForm();
    fireEvent.click(screen.getByLabelText('Random horizontal flip'));
    fireEvent.change(screen.getByLabelText(/Random crop/), { target: { value: '0.1' } });
    fireEvent.change(screen.getByLabelText(/Random rotation/), { target: { value: '10' } });
    fireEvent.click(submitButton());
    expect(onSubmit.mock.calls[0]![0].sweep.augmentation).toEqual({
      flip: true,
      crop: 0.1,
      rotation: 10,
    });
  });

  it('says the feature cache is lost only when a depth freezes layers', () => {
    renderForm();
    fireEvent.click(screen.getByLabelText('Random horizontal flip'));
    // Depth 0 alone trains every layer: no cache to lose.
    expect(screen.queryByTestId('augmentation-cache-note')).toBeNull();
    fireEvent.click(screen.getByLabelText(/^1 — conv1/));
    expect(screen.getByTestId('augmentation-cache-note').textContent).toMatch(
      /feature cache .* is not used/,
    );
  });

  it.each([
    [
      'a crop past the shared limit',
      /Random crop/,
      '0.8',
      'augmentation.crop must be a number from 0 to 0.5',
    ],
    [
      'a negative rotation',
      /Random rotation/,
      '-4',
      'augmentation.rotation must be a number from 0 to 30',
    ],
  ])('refuses %s and explains why', (_name, label, value, message) => {
    const onSubmit = renderForm();
    fireEvent.change(screen.getByLabelText(label), { target: { value } });
    expect(screen.getByText(message)).toBeTruthy();
    expect(submitButton().disabled).toBe(true);
    fireEvent.submit(submitButton().closest('form')!);
    expect(onSubmit).not.toHaveBeenCalled();
  });
});

describe('parseAugmentation', () => {
  it('reads empty fields as off and text as NaN (refused by the rules)', () => {
    expect(parseAugmentation({ flip: false, crop: '', rotation: ' ' })).toEqual({
      flip: false,
      crop: 0,
      rotation: 0,
    });
    expect(parseAugmentation({ flip: true, crop: 'x', rotation: '5' }).crop).toBeNaN();
    expect(augmentationToSubmit({ flip: false, crop: 0, rotation: 0 })).toBeUndefined();
  });
});
