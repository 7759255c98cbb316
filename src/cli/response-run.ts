/**
 * What the transfers of one `hiper get` run share about responses: the cookie engine (-b, -c, -j) and
 * the -D file. Cookies received on any transfer or redirect hop are sent on later requests that match;
 * the jar file is written whenever a transfer ends, so it holds every cookie when the run ends.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { CookieJar } from './cookie-jar.js';
import type { Io } from './format.js';
import type { Sink } from './output.js';
import type { ResponsePlan } from './response-plan.js';

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export class ResponseRun {
  /** Set when -b or -c turns the cookie engine on. */
  readonly jar: CookieJar | undefined;
  /** The -b name=value strings, joined as curl joins them. */
  private readonly cookieText: string | undefined;
  private dumpCreated = false;
  private jarWarned = false;

  constructor(private readonly plan: ResponsePlan) {
    const strings: string[] = [];
    if (plan.cookies.length > 0 || plan.cookieJar !== undefined) this.jar = new CookieJar();
    for (const value of plan.cookies) {
      // curl: a value with '=' is cookies; anything else names a file, and one that cannot be read is no cookies.
      if (value.includes('=')) {
        strings.push(value);
        continue;
      }
      if (value === '') continue;
      let text: string;
      try {
        text = readFileSync(value === '-' ? 0 : value, 'utf8');
      } catch {
        continue;
      }
      this.jar!.load(text, nowSeconds(), plan.junkSession);
    }
    this.cookieText = strings.length > 0 ? strings.join(';') : undefined;
  }

  /** The Cookie header for a request to `url`: the jar's matching cookies, then the -b strings. */
  cookieHeader(url: string): string | undefined {
    const fromJar = this.jar?.header(new URL(url), nowSeconds());
    if (fromJar === undefined) return this.cookieText;
    return this.cookieText === undefined ? fromJar : `${fromJar}; ${this.cookieText}`;
  }

  /** A response head from `url`: its Set-Cookie headers go into the jar. */
  received(url: string, headers: ReadonlyArray<[string, string]>): void {
    if (this.jar === undefined) return;
    const u = new URL(url);
    for (const [n, v] of headers) if (n.toLowerCase() === 'set-cookie') this.jar.setCookie(v, u, nowSeconds());
  }

  /**
   * -D: a head, in the file (created at the run's first head, then added to) or on stdout through the
   * transfer's own share of it.
   */
  dumpHead(text: string, stdout: Sink): void {
    const path = this.plan.dumpHeader;
    if (path === undefined) return;
    if (path === '-') {
      void stdout.write(Buffer.from(text));
      return;
    }
    try {
      if (this.dumpCreated) appendFileSync(path, text);
      else writeFileSync(path, text);
      this.dumpCreated = true;
    } catch {
      // curl goes on without it, as it does for a cookie jar it cannot write.
    }
  }

  /**
   * -c: the jar file as it is now; called as each transfer ends (`last`: the run's last), so that the
   * file holds every cookie when the run ends. `-c -` is written once, at the end, on stdout.
   */
  saveJar(io: Io, warn: boolean, stdout: Sink, last: boolean): void {
    const path = this.plan.cookieJar;
    if (path === undefined || this.jar === undefined) return;
    const text = this.jar.serialise(nowSeconds());
    if (path === '-') {
      if (last) void stdout.write(Buffer.from(text));
      return;
    }
    try {
      writeFileSync(path, text);
    } catch {
      if (warn && !this.jarWarned) io.err.write(`hiper: warning: failed to save cookies in ${path}\n`);
      this.jarWarned = true;
    }
  }
}
