import { isIP } from "node:net";

// Which network addresses an outbound request (webhooks) may reach. Requests a
// user can aim anywhere must not reach the server's own network: loopback,
// private and link-local ranges (cloud metadata at 169.254.169.254), CGNAT,
// multicast and the IPv6 forms that embed such an IPv4 address.

/** An address as 4 (IPv4) or 16 (IPv6) bytes. */
type Bytes = readonly number[];

interface Range {
  bytes: Bytes;
  prefix: number;
}

interface Special extends Range {
  why: string;
}

function parseV4(text: string): Bytes | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.map(Number);
}

function parseV6(input: string): Bytes | undefined {
  let text = input.split("%")[0]!; // zone id (fe80::1%eth0)
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".", lastColon)) {
    const v4 = parseV4(text.slice(lastColon + 1));
    if (!v4) return undefined;
    tail = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!];
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  const fill = halves.length === 2 ? 8 - head.length - rest.length : 0;
  if (fill < 0 || (halves.length === 1 && head.length !== 8)) return undefined;
  const words = [...head, ...Array<string>(fill).fill("0"), ...rest];
  if (words.length !== 8 || !words.every((w) => /^[0-9a-f]{1,4}$/i.test(w))) return undefined;
  const values = words.map((w) => parseInt(w, 16));
  if (tail.length === 2) values.splice(6, 2, ...tail);
  return values.flatMap((v) => [v >> 8, v & 0xff]);
}

/** Bytes of an IPv4 or IPv6 address (brackets allowed), or undefined when it is not one. */
export function parseAddress(text: string): Bytes | undefined {
  const bare = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  if (isIP(bare.split("%")[0]!) === 4) return parseV4(bare);
  if (isIP(bare.split("%")[0]!) === 6) return parseV6(bare);
  return undefined;
}

function inRange(bytes: Bytes, r: Range): boolean {
  if (bytes.length !== r.bytes.length) return false;
  for (let bit = 0; bit < r.prefix; bit += 8) {
    const take = Math.min(8, r.prefix - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    if ((bytes[bit / 8]! & mask) !== (r.bytes[bit / 8]! & mask)) return false;
  }
  return true;
}

function range(cidr: string, why = ""): Special {
  const [addr, prefix] = cidr.split("/");
  return { bytes: parseAddress(addr!)!, prefix: Number(prefix), why };
}

const V4_SPECIAL: Special[] = [
  range("0.0.0.0/8", "this network"),
  range("10.0.0.0/8", "private"),
  range("100.64.0.0/10", "shared address space (CGNAT)"),
  range("127.0.0.0/8", "loopback"),
  range("169.254.0.0/16", "link-local (cloud metadata)"),
  range("172.16.0.0/12", "private"),
  range("192.0.0.0/24", "IETF protocol assignments"),
  range("192.0.2.0/24", "documentation"),
  range("192.88.99.0/24", "6to4 relay"),
  range("192.168.0.0/16", "private"),
  range("198.18.0.0/15", "benchmarking"),
  range("198.51.100.0/24", "documentation"),
  range("203.0.113.0/24", "documentation"),
  range("224.0.0.0/4", "multicast"),
  range("240.0.0.0/4", "reserved"),
];

// IPv6 ranges that carry an IPv4 address: judged by the IPv4 address inside.
const V6_EMBEDDING: { range: Range; at: number }[] = [
  { range: range("::ffff:0:0/96"), at: 12 }, // IPv4-mapped
  { range: range("64:ff9b::/96"), at: 12 }, // NAT64
  { range: range("2002::/16"), at: 2 }, // 6to4
];

const V6_SPECIAL: Special[] = [
  range("::/128", "unspecified"),
  range("::1/128", "loopback"),
  range("::/96", "IPv4-compatible (deprecated)"),
  range("64:ff9b:1::/48", "local NAT64"),
  range("100::/64", "discard"),
  range("2001::/32", "Teredo"),
  range("2001:db8::/32", "documentation"),
  range("fc00::/7", "unique local (private)"),
  range("fe80::/10", "link-local"),
  range("fec0::/10", "site-local (deprecated)"),
  range("ff00::/8", "multicast"),
];

/** IPv4-mapped, NAT64 and 6to4 addresses as the IPv4 address they stand for; others unchanged. */
function unwrap(bytes: Bytes): Bytes {
  if (bytes.length !== 16) return bytes;
  for (const e of V6_EMBEDDING) if (inRange(bytes, e.range)) return bytes.slice(e.at, e.at + 4);
  return bytes;
}

/** Why an address must not be reached from here ("loopback", "private", ...), or undefined for a public address. */
export function specialPurpose(bytes: Bytes): string | undefined {
  const b = unwrap(bytes);
  return (b.length === 4 ? V4_SPECIAL : V6_SPECIAL).find((r) => inRange(b, r))?.why;
}

/** One entry of an operator allow-list: a hostname (`hooks.corp`, `*.corp`), an address or a CIDR range. */
export function isHostListEntry(entry: string): boolean {
  if (entry.includes("/")) {
    const [addr, prefix, extra] = entry.split("/");
    const bytes = parseAddress(addr!);
    return extra === undefined && bytes !== undefined && /^\d{1,3}$/.test(prefix!) && Number(prefix) <= bytes.length * 8;
  }
  if (parseAddress(entry)) return true;
  return /^(\*\.)?[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?)*$/i.test(entry) && entry.length <= 253;
}

/** Hosts and address ranges an operator lets outbound requests reach despite their special purpose. */
export class AllowList {
  private readonly names = new Set<string>();
  private readonly suffixes: string[] = [];
  private readonly ranges: Range[] = [];

  /** `entries` are already validated (config); anything else is ignored. */
  constructor(entries: readonly string[]) {
    for (const raw of entries) {
      const entry = raw.trim().toLowerCase();
      if (!isHostListEntry(entry)) continue;
      if (entry.includes("/")) this.ranges.push(range(entry));
      else if (parseAddress(entry)) {
        const bytes = unwrap(parseAddress(entry)!);
        this.ranges.push({ bytes, prefix: bytes.length * 8 });
      } else if (entry.startsWith("*.")) this.suffixes.push(entry.slice(1));
      else this.names.add(entry);
    }
  }

  /** The hostname of a URL (not an address) is listed by name. */
  allowsHost(hostname: string): boolean {
    const h = hostname.toLowerCase().replace(/\.$/, "");
    return this.names.has(h) || this.suffixes.some((s) => h.endsWith(s));
  }

  allowsAddress(bytes: Bytes): boolean {
    const candidates = [bytes, unwrap(bytes)];
    return this.ranges.some((r) => candidates.some((b) => inRange(b, r)));
  }
}

/**
 * Why a connection to `address` (reached through `hostname`) is refused, or undefined when it
 * may go ahead: public addresses always, special-purpose ones only when the allow-list names
 * the host or the address.
 */
export function refusal(allow: AllowList, hostname: string, address: string): string | undefined {
  const bytes = parseAddress(address);
  if (!bytes) return `${address} is not an IP address`;
  const why = specialPurpose(bytes);
  if (!why || allow.allowsHost(hostname) || allow.allowsAddress(bytes)) return undefined;
  const what = `a special-purpose address (${why})`;
  return hostname === address || `[${address}]` === hostname ? `${address} is ${what}` : `${hostname} resolves to ${address}, ${what}`;
}
