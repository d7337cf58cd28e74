import { BlockList, isIP } from 'node:net';

import { Injectable } from '@nestjs/common';

import { AppConfigService } from '../config/app-config.service';

/**
 * `ADMIN_ALLOWED_IPS`: the addresses admin routes answer. The caller's address is Fastify's
 * `request.ip`, which believes `X-Forwarded-For` only from proxies `TRUST_PROXY` names, so a
 * client cannot claim an allowed address by sending the header itself. No list: any address.
 */
@Injectable()
export class AdminNetworkPolicy {
  private readonly allowed: BlockList | undefined;

  constructor(config: AppConfigService) {
    const cidrs = config.get('security').adminAllowedIps;
    this.allowed = cidrs.length === 0 ? undefined : allowList(cidrs);
  }

  allows(ip: string | undefined): boolean {
    if (this.allowed === undefined) return true;
    if (ip === undefined) return false;
    const address = unmapped(ip);
    const family = isIP(address);
    return family !== 0 && this.allowed.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }
}

function allowList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address, bits] = cidr.split('/');
    const type = isIP(address) === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
}

/** A dual-stack socket reports IPv4 peers as `::ffff:a.b.c.d`; the allowlist is written in IPv4. */
function unmapped(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped ? mapped[1] : ip;
}
