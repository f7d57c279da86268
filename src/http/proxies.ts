import { BlockList, isIP } from 'node:net';
import type { TrustedProxy } from '../config.js';

/** What the listener believes about a request's origin: the visitor's address and the scheme. */
export interface PeerView {
  readonly ip: string | undefined;
  readonly https: boolean;
}

/**
 * X-Forwarded-For and X-Forwarded-Proto are believed only from peers in TRACKNOW_TRUSTED_PROXIES
 * (built once from the config, never per request). From a trusted peer the forwarded chain is
 * walked from the right, past further trusted proxies, to the first address that is not one:
 * a client can prepend anything, but only the hops our proxies appended are read.
 */
export class TrustedProxies {
  readonly #list = new BlockList();
  readonly #empty: boolean;

  constructor(proxies: readonly TrustedProxy[]) {
    for (const p of proxies) {
      if (p.prefix === undefined) this.#list.addAddress(p.address, p.family);
      else this.#list.addSubnet(p.address, p.prefix, p.family);
    }
    this.#empty = proxies.length === 0;
  }

  trusts(ip: string | undefined): boolean {
    if (this.#empty || ip === undefined) return false;
    const version = isIP(ip);
    return version !== 0 && this.#list.check(ip, version === 4 ? 'ipv4' : 'ipv6');
  }

  view(
    socketAddress: string | undefined,
    forwardedFor: string | undefined,
    forwardedProto: string | undefined,
  ): PeerView {
    const peer = unmap(socketAddress);
    if (!this.trusts(peer)) return { ip: peer, https: false };
    let ip = peer;
    const hops = (forwardedFor ?? '').split(',').map((h) => unmap(h.trim()));
    for (let i = hops.length - 1; i >= 0 && this.trusts(ip); i--) {
      const hop = hops[i];
      if (hop === undefined || isIP(hop) === 0) break; // "unknown", a port, garbage: stop at the last good address
      ip = hop;
    }
    const proto = forwardedProto?.split(',')[0]?.trim().toLowerCase();
    return { ip, https: proto === 'https' };
  }
}

/** IPv4-mapped IPv6 (`::ffff:127.0.0.1`) unwrapped; empty → undefined. */
function unmap(ip: string | undefined): string | undefined {
  if (!ip) return undefined;
  return ip.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
}
