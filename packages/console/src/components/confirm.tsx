import { useEffect, useRef, type ReactNode } from "react";

/**
 * A modal question before something that cannot be undone. The native <dialog>
 * traps focus, closes on Escape and returns focus to the opener.
 */
export function Confirm(props: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (props.open && dialog !== null && !dialog.open) dialog.showModal();
  }, [props.open]);
  // Mounted only while asking, so that closed dialogs add nothing to the page.
  if (!props.open) return null;
  return (
    <dialog ref={ref} onClose={props.onCancel} aria-labelledby="confirm-title">
      <h2 id="confirm-title">{props.title}</h2>
      <div>{props.children}</div>
      <div className="dialog-actions">
        <button type="button" onClick={props.onCancel} autoFocus>
          Cancel
        </button>
        <button
          type="button"
          className={props.danger === true ? "danger" : "primary"}
          onClick={props.onConfirm}
        >
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
