import type { Session } from "@emporium/client";
import { h, show } from "./dom.js";
import { describeError } from "./format.js";

/**
 * Sign-up and log-in form, or who is signed in with a log-out button. The
 * tokens stay in the session's memory (@emporium/client): a reload signs
 * the shopper out, and no script can read them from storage.
 */
export function mountAccount(root: HTMLElement, session: Session): void {
  const render = () => (session.user ? renderSignedIn() : renderForm());

  const renderSignedIn = () => {
    const logOut = h("button", { type: "button" }, "Log out");
    logOut.addEventListener("click", () => void session.logOut());
    show(root, h("p", { class: "who" }, "Signed in as ", h("strong", { "data-test": "user-email" }, session.user?.email ?? "")), logOut);
  };

  const renderForm = () => {
    const email = h("input", { type: "email", name: "email", autocomplete: "username", required: true, id: "account-email" });
    const password = h("input", {
      type: "password",
      name: "password",
      autocomplete: "current-password",
      required: true,
      id: "account-password",
    });
    const message = h("p", { class: "error", role: "alert" });
    const signUp = h("button", { type: "submit", value: "signup" }, "Sign up");
    const logIn = h("button", { type: "submit", value: "login" }, "Log in");
    const form = h(
      "form",
      { class: "account-form" },
      h("label", { for: "account-email" }, "Email"),
      email,
      h("label", { for: "account-password" }, "Password"),
      password,
      signUp,
      logIn,
      message,
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const action = (event.submitter as HTMLButtonElement | null)?.value === "login" ? session.logIn : session.signUp;
      signUp.disabled = logIn.disabled = true;
      action(email.value, password.value).catch((error: unknown) => {
        message.textContent = describeError(error);
        signUp.disabled = logIn.disabled = false;
      });
    });
    show(root, form);
  };

  session.onChange(render);
  render();
}
