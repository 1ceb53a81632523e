import { type FieldViolation, ValidationError } from "@emporium/platform/errors/domain-errors";

const MAX_EMAIL_LENGTH = 254;
const MIN_PASSWORD_LENGTH = 12;
const MAX_PASSWORD_LENGTH = 128;
// A plain shape check; whether the address works is the mailbox's business.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// The most common choices that pass the length rule (NIST SP 800-63B asks to
// refuse known-breached passwords; a full list would be a service of its own).
const COMMON_PASSWORDS = new Set([
  "123456789012",
  "password1234",
  "qwertyuiop12",
  "passwordpassword",
  "iloveyou1234",
  "administrator",
  "letmein12345",
  "111111111111",
  "aaaaaaaaaaaa",
  "qwertyuiopasdf",
]);

/** Trimmed, Unicode-normalised and lower-cased, so one person has one account. */
export function normaliseEmail(email: string): string {
  return email.normalize("NFKC").trim().toLowerCase();
}

/** The sign-up rules (NIST SP 800-63B): a length range and no obvious choices; no composition rules. */
export function validateSignUp(email: string, password: string): void {
  const violations: FieldViolation[] = [];
  if (email.length > MAX_EMAIL_LENGTH || !EMAIL_SHAPE.test(email)) {
    violations.push({ field: "email", description: "must be an email address" });
  }
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH || length > MAX_PASSWORD_LENGTH) {
    violations.push({ field: "password", description: `must be ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters` });
  } else if (COMMON_PASSWORDS.has(password.toLowerCase()) || new Set(password).size < 4) {
    violations.push({ field: "password", description: "is too common; choose a longer, less predictable one" });
  } else if (password.toLowerCase().includes(email.split("@")[0] ?? "\u0000")) {
    violations.push({ field: "password", description: "must not contain the email address" });
  }
  if (violations.length > 0) throw new ValidationError(violations);
}

/** Login only checks that something was sent; wrong credentials are one answer for all cases. */
export function validateLogin(email: string, password: string): void {
  const violations: FieldViolation[] = [];
  if (email === "") violations.push({ field: "email", description: "is required" });
  if (password === "") violations.push({ field: "password", description: "is required" });
  if (password.length > MAX_PASSWORD_LENGTH * 4) violations.push({ field: "password", description: "is too long" });
  if (violations.length > 0) throw new ValidationError(violations);
}
