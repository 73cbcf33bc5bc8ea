import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BuiltInDatasetForm } from './built-in-dataset-form';

afterEach(cleanup);

function renderForm(error?: string) {
  const onSubmit = vi.fn();
  render(<BuiltInDatasetForm teamId="t1" submitting={false} error={error} onSubmit={onSubmit} />);
  return onSubmit;
}
const field = (name: string) => document.querySelector(`[name="${name}"]`) as HTMLInputElement;
const submit = () => screen.getByRole('button', { name: 'Create dataset' }) as HTMLButtonElement;
const classBox = (label: string) => screen.getByRole('checkbox', { name: label });

describe('BuiltInDatasetForm', () => {
  it('creates an MNIST subset with its caps, seed and counts', () => {
    const onSubmit = renderForm();
    // Digits 0–4 are ticked to start with; keep 5 and 6 only.
    for (const label of ['0', '1', '2', '3', '4', '5', '6']) fireEvent.click(classBox(label));
    fireEvent.change(field('trainSamples'), { target: { value: '1000' } });
    fireEvent.change(field('seed'), { target: { value: '7' } });
    expect(screen.getByTestId('built-in-counts').textContent).toBe(
      '1,000 training and 1,850 validation images',
    );
    fireEvent.click(submit());
    expect(onSubmit).toHaveBeenCalledWith({
      teamId: 't1',
      name: 'MNIST 5, 6',
      spec: { kind: 'mnist', classes: [5, 6], trainSamples: 1000, seed: 7 },
      classNames: ['5', '6'],
      trainSamples: 1000,
      validationSamples: 892 + 958,
    });
  });

  it('names Fashion-MNIST classes and keeps a given name', () => {
    const onSubmit = renderForm();
    fireEvent.change(field('kind'), { target: { value: 'fashion-mnist' } });
    expect(classBox('8 — Bag')).toBeTruthy();
    for (const label of ['2 — Pullover', '3 — Dress', '4 — Coat']) fireEvent.click(classBox(label));
    fireEvent.change(field('builtInName'), { target: { value: 'tops and trousers' } });
    fireEvent.click(submit());
    expect(onSubmit.mock.calls[0][0]).toMatchObject({
      name: 'tops and trousers',
      classNames: ['T-shirt/top', 'Trouser'],
      spec: { kind: 'fashion-mnist', classes: [0, 1], seed: 0 },
      trainSamples: 12_000,
      validationSamples: 2_000,
    });
  });

  it.each([
    [
      'one class only',
      () => ['1', '2', '3', '4'].forEach((l) => fireEvent.click(classBox(l))),
      'choose at least two classes',
    ],
    [
      'a zero cap',
      () => fireEvent.change(field('trainSamples'), { target: { value: '0' } }),
      'the training cap',
    ],
    [
      'a fractional cap',
      () => fireEvent.change(field('validationSamples'), { target: { value: '2.5' } }),
      'the validation cap',
    ],
    [
      'a negative seed',
      () => fireEvent.change(field('seed'), { target: { value: '-1' } }),
      'the seed must be',
    ],
    [
      'a blank seed',
      () => fireEvent.change(field('seed'), { target: { value: '' } }),
      'the seed must be',
    ],
  ])('refuses %s before sending anything', (_name, act, message) => {
    const onSubmit = renderForm();
    act();
    expect(screen.getByText(new RegExp(message))).toBeTruthy();
    expect(submit().disabled).toBe(true);
    fireEvent.submit(submit().form!);
    expect(onSubmit).not.toHaveBeenCalled();
  });

  it('shows the server’s error', () => {
    renderForm('a dataset named MNIST 0, 1 already exists');
    expect(screen.getByRole('alert').textContent).toBe('a dataset named MNIST 0, 1 already exists');
  });
});
