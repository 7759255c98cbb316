/**
 * curl's guess for a URL given without a scheme: http://. (curl also guesses ftp:// for hosts that
 * start with "ftp." and others; hiper speaks only HTTP, so it always guesses http://.)
 */
export function guessScheme(url: string): string {
  return /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(url) ? url : `http://${url}`;
}
