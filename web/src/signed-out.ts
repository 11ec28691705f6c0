import type { ConsoleContext } from './context';
import { field, h } from './dom';
import { alertBox, errorText, go, mount, say, submitting } from './ui';

/** The views of a person not signed in: sign up, confirm the emailed code, sign in. */

export function signUpView({ auth }: ConsoleContext): void {
  const alert = alertBox();
  const email = field('Email', { type: 'email', autocomplete: 'username', required: true });
  const password = field('Password', { type: 'password', autocomplete: 'new-password', required: true, minLength: 12 }, 'At least 12 characters, with upper and lower case letters, a digit and a symbol.');
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign up');
  const form = h(
    'form',
    {
      class: 'card narrow',
      onsubmit: submitting(submit, alert, async () => {
        await auth.signUp(email.input.value.trim(), password.input.value);
        sessionStorage.setItem('imager.pendingEmail', email.input.value.trim());
        go('confirm');
      }),
    },
    h('h1', {}, 'Create your Imager account'),
    h('p', { class: 'muted' }, 'Sign up to get API keys for the Imager image hosting API.'),
    alert.box,
    email.row,
    password.row,
    submit,
    h('p', { class: 'switch' }, 'Already have an account? ', h('a', { href: '#/signin' }, 'Sign in instead')),
  );
  mount(form);
}

export function confirmView({ auth }: ConsoleContext): void {
  const alert = alertBox();
  const pending = sessionStorage.getItem('imager.pendingEmail') ?? '';
  const email = field('Email', { type: 'email', autocomplete: 'username', required: true, value: pending });
  const code = field('Confirmation code', { type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', required: true, pattern: '[0-9]{4,8}' }, 'The code in the email we sent you.');
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Confirm');
  const resend = h(
    'button',
    {
      type: 'button',
      class: 'link',
      async onclick() {
        alert.clear();
        try {
          await auth.resendCode(email.input.value.trim());
          say('A new code is on its way.');
        } catch (error) {
          alert.show(error);
        }
      },
    },
    'Send a new code',
  );
  const form = h(
    'form',
    {
      class: 'card narrow',
      onsubmit: submitting(submit, alert, async () => {
        await auth.confirm(email.input.value.trim(), code.input.value.trim());
        sessionStorage.setItem('imager.confirmedEmail', email.input.value.trim());
        sessionStorage.removeItem('imager.pendingEmail');
        go('signin');
      }),
    },
    h('h1', {}, 'Confirm your email'),
    h('p', { class: 'muted' }, pending ? `We sent a confirmation code to ${pending}.` : 'Enter the confirmation code we emailed you.'),
    alert.box,
    email.row,
    code.row,
    submit,
    h('p', { class: 'switch' }, 'No code? ', resend),
  );
  mount(form);
}

export function signInView({ auth }: ConsoleContext): void {
  const alert = alertBox();
  const confirmed = sessionStorage.getItem('imager.confirmedEmail');
  const email = field('Email', { type: 'email', autocomplete: 'username', required: true, value: confirmed ?? '' });
  const password = field('Password', { type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const notice = sessionStorage.getItem('imager.notice');
  sessionStorage.removeItem('imager.notice');
  const form = h(
    'form',
    {
      class: 'card narrow',
      onsubmit: submitting(
        submit,
        alert,
        async () => {
          await auth.signIn(email.input.value.trim(), password.input.value);
          sessionStorage.removeItem('imager.confirmedEmail');
          go('');
        },
        (error) => {
          if (/not confirmed/.test(errorText(error))) sessionStorage.setItem('imager.pendingEmail', email.input.value.trim());
        },
      ),
    },
    h('h1', {}, 'Sign in'),
    confirmed ? h('p', { class: 'ok', role: 'status' }, 'Your email is confirmed. Sign in to continue.') : null,
    notice ? h('p', { class: 'ok', role: 'status' }, notice) : null,
    alert.box,
    email.row,
    password.row,
    submit,
    h('p', { class: 'switch' }, 'New to Imager? ', h('a', { href: '#/signup' }, 'Create an account')),
  );
  mount(form);
}
