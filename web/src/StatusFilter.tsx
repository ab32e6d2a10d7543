/** A choice of one status among `statuses`, or of all (""), as a list filter. */
export function StatusFilter<S extends string>({ label, statuses, value, onChange }: { label: string; statuses: readonly S[]; value: S | ""; onChange: (status: S | "") => void }) {
  return (
    <label>
      {label}{" "}
      <select value={value} onChange={(event) => onChange(event.target.value as S | "")}>
        <option value="">All</option>
        {statuses.map((status) => (
          <option key={status} value={status}>
            {status.toLowerCase()}
          </option>
        ))}
      </select>
    </label>
  );
}
