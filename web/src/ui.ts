import { h } from './dom';

/**
 * The console's shared pieces of page: the view being shown, the signed-in bar, the passing
 * notice, alert areas, busy buttons, and navigation by the URL hash.
 */

const byId = (id: string): HTMLElement => document.getElementById(id)!;

/** Shows `message` in the passing notice (a polite live region) for a few seconds. */
export function say(message: string): void {
  const toast = byId('toast');
  toast.textContent = message;
  toast.classList.add('shown');
  setTimeout(() => toast.classList.remove('shown'), 4000);
}

export function errorText(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong. Try again.';
}

export interface AlertBox {
  readonly box: HTMLElement;
  show(error: unknown): void;
  clear(): void;
}

/** An alert area that announces errors to screen readers and shows them in words. */
export function alertBox(): AlertBox {
  const box = h('p', { class: 'alert', role: 'alert', hidden: true });
  return {
    box,
    show(error) {
      box.textContent = errorText(error);
      box.hidden = false;
    },
    clear() {
      box.textContent = '';
      box.hidden = true;
    },
  };
}

/** Shows the view `view` (`#/<view>`); the console renders on the hash change. */
export function go(view: string): void {
  if (location.hash !== `#/${view}`) location.hash = `#/${view}`;
  else window.dispatchEvent(new HashChangeEvent('hashchange'));
}

/** Makes `nodes` the page, titled after its first heading. */
export function mount(...nodes: HTMLElement[]): void {
  const app = byId('app');
  app.replaceChildren(...nodes);
  const heading = app.querySelector('h1');
  document.title = heading ? `${heading.textContent} · Imager` : 'Imager';
}

/** The bar of the signed-in person (their email and the sign-out button); empty when signed out. */
export function showWho(...nodes: HTMLElement[]): void {
  byId('who').replaceChildren(...nodes);
}

/** A section of the settings page and how to load it again. */
export interface Section {
  readonly section: HTMLElement;
  refresh(): Promise<void>;
}

export function setBusy(button: HTMLButtonElement, busy: boolean): void {
  button.disabled = busy;
  button.setAttribute('aria-busy', String(busy));
}

/**
 * A form's submit handler: clears the alert, keeps `submit` busy while `action` runs, and shows
 * what went wrong in the alert (then tells `onError`, for views that react to one).
 */
export function submitting(submit: HTMLButtonElement, alert: AlertBox, action: () => Promise<void>, onError?: (error: unknown) => void) {
  return async (event: Event): Promise<void> => {
    event.preventDefault();
    alert.clear();
    setBusy(submit, true);
    try {
      await action();
    } catch (error) {
      alert.show(error);
      onError?.(error);
    } finally {
      setBusy(submit, false);
    }
  };
}

/**
 * A button for an action that cannot be undone: asks `question` first, then runs `action` with
 * the button busy. A failure shows in `alert` and frees the button; a success leaves it busy
 * (its row goes away or is redrawn).
 */
export function dangerButton(label: string, question: string, alert: AlertBox, action: () => Promise<void>): HTMLButtonElement {
  const button = h(
    'button',
    {
      type: 'button',
      class: 'danger',
      async onclick() {
        if (!confirm(question)) return;
        setBusy(button, true);
        try {
          await action();
        } catch (error) {
          alert.show(error);
          setBusy(button, false);
        }
      },
    },
    label,
  );
  return button;
}

/** Copies `text` to the clipboard and says `done`, or says how to copy it by hand. */
export async function copy(text: string, done: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    say(done);
  } catch {
    say('Copying was refused by the browser: select the text and copy it.');
  }
}
