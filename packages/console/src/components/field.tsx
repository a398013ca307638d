import type { ReactNode } from "react";

/** A labelled control with its help and its error, tied together for screen readers. */
export function Field(props: {
  id: string;
  label: string;
  error?: string | undefined;
  help?: ReactNode;
  children: (aria: {
    id: string;
    "aria-invalid": boolean;
    "aria-describedby": string | undefined;
  }) => ReactNode;
}) {
  const described = [
    props.help !== undefined ? `${props.id}-help` : undefined,
    props.error !== undefined ? `${props.id}-error` : undefined,
  ].filter((x) => x !== undefined);
  return (
    <div className={`field${props.error !== undefined ? " invalid" : ""}`}>
      <label htmlFor={props.id}>{props.label}</label>
      {props.children({
        id: props.id,
        "aria-invalid": props.error !== undefined,
        "aria-describedby": described.length > 0 ? described.join(" ") : undefined,
      })}
      {props.help !== undefined && (
        <p id={`${props.id}-help`} className="help">
          {props.help}
        </p>
      )}
      {props.error !== undefined && (
        <p id={`${props.id}-error`} className="field-error">
          {props.error}
        </p>
      )}
    </div>
  );
}
