import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { ARCHITECTURES } from '@finetrack/shared';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { inputShapeOf, PretrainForm } from './pretrain-form';

afterEach(cleanup);

const DATASETS = [
  { id: 'd1', name: 'MNIST 0–4', classNames: ['0', '1', '2', '3', '4'], spec: { kind: 'mnist' } },
  {
    id: 'd2',
    name: 'chairs',
    classNames: ['armchair', 'stool'],
    spec: { kind: 'archive', inputShape: [32, 32, 3] },
  },
];

function renderForm(datasets = DATASETS) {
  const onSubmit = vi.fn();
  render(<PretrainForm teamId="t1" datasets={datasets} submitting={false} onSubmit={onSubmit} />);
  return onSubmit;
}
const field = (name: string) => document.querySelector(`[name="${name}"]`) as HTMLInputElement;
const submit = () => screen.getByRole('button', { name: 'Start pretraining' }) as HTMLButtonElement;

describe('PretrainForm', () => {
  it('offers every architecture of the shared list', () => {
    renderForm();
    const options = [...field('architecture').querySelectorAll('option')].map((o) => o.value);
    expect(options).toEqual([...ARCHITECTURES]);
  });

  it('sends the architecture, dataset, its input shape and the hyperparameters', () => {
    const onSubmit = renderForm();
    fireEvent.change(field('architecture'), { target: { value: 'vgg-mini' } });
    fireEvent.change(field('dataset'), { target: { value: 'd2' } });
    fireEvent.change(field('epochs'), { target: { value: '4' } });
    fireEvent.change(field('learningRate'), { target: { value: '0.01' } });
    fireEvent.change(field('batchSize'), { target: { value: '16' } });
    fireEvent.change(field('seed'), { target: { value: '9' } });
    fireEvent.click(submit());
    expect(onSubmit).toHaveBeenCalledWith({
      teamId: 't1',
      architecture: 'vgg-mini',
      datasetId: 'd2',
      name: 'vgg-mini on chairs',
      inputShape: [32, 32, 3],
      epochs: 4,
      learningRate: 0.01,
      batchSize: 16,
      seed: 9,
    });
  });

  it.each([
    ['epochs', '0', 'epochs must be an integer from 1 to 1000'],
    ['epochs', '1001', 'epochs must be an integer from 1 to 1000'],
    ['learningRate', '0', 'learningRate must be finite and > 0'],
    ['learningRate', 'fast', 'learningRate must be finite and > 0'],
    ['batchSize', '4097', 'batchSize must be an integer from 1 to 4096'],
    ['seed', '-1', 'seed must be an integer from 0 to 2147483647'],
    ['seed', '', 'seed must be an integer from 0 to 2147483647'],
  ])('refuses %s = "%s" with the rule book’s words', (name, value, message) => {
    const onSubmit = renderForm();
    fireEvent.change(field(name), { target: { value } });
    expect(screen.getByText(message)).toBeTruthy();
    expect(submit().disabled).toBe(true);
    fireEvent.submit(submit().form!);
    expect(onSubmit).not.toHaveBeenCalled();
  });

  it('reads the input shape of a dataset spec, MNIST’s by default', () => {
    expect(inputShapeOf({ kind: 'mnist' })).toEqual([28, 28, 1]);
    expect(inputShapeOf({ inputShape: [64, 64, 3] })).toEqual([64, 64, 3]);
    expect(inputShapeOf({ inputShape: [64, 'x', 3] })).toEqual([28, 28, 1]);
  });
});
