/** A name input bounded as the API bounds names (200 characters); required unless `optional`. */
export function NameField({
  label,
  name,
  value,
  onChange,
  optional = false,
}: {
  label: string;
  name: string;
  value: string;
  onChange(value: string): void;
  optional?: boolean;
}) {
  return (
    <label>
      {label}
      <input
        name={name}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        required={!optional}
        maxLength={200}
      />
    </label>
  );
}
