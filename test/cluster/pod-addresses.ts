// Which pod of a cluster's slot gets which address. Addresses are numbered (the index also names the pod's
// network namespace and host veth) and handed out again only after a quarantine once freed: a client,
// an EndpointSlice or a conntrack entry still holding a deleted pod's address must not reach a new pod by
// mistake in the seconds after the old one went, as a real CNI's IPAM also avoids handing out an address
// it has just released.

/** Host numbers of a /20 usable by pods: not .0 or .255 of any /24, not the gateway (.1 of the first). */
const firstBlockHosts = 253; // .2 to .254
const blockHosts = 254; // .1 to .254
const blocks = 16; // /24s in a /20
export const podAddressesPerSlot = firstBlockHosts + (blocks - 1) * blockHosts;

/** The slot's subnet base as a 32-bit number: 10.244.(16*slot).0. */
function slotBase(slot: number): number {
  return ((10 << 24) | (244 << 16) | ((slot * 16) << 8)) >>> 0;
}

function dotted(address: number): string {
  return [24, 16, 8, 0].map((shift) => (address >>> shift) & 255).join('.');
}

/** The bridge's (gateway's) address in a slot. */
export function gatewayAddress(slot: number): string {
  return dotted(slotBase(slot) + 1);
}

/**
 * The address of the n-th pod index of a slot (n from 0). Host numbers ending in .0 or .255 are skipped,
 * so no pod gets an address that some tools mistake for a network or broadcast address.
 */
export function podAddress(slot: number, n: number): string | undefined {
  if (!Number.isInteger(n) || n < 0 || n >= podAddressesPerSlot) return undefined;
  const host = n < firstBlockHosts ? n + 2 : (1 + Math.floor((n - firstBlockHosts) / blockHosts)) * 256 + 1 + ((n - firstBlockHosts) % blockHosts);
  return dotted(slotBase(slot) + host);
}

const hex = (byte: number) => byte.toString(16).padStart(2, '0');

/** The n-th pod's MAC address in a slot: locally administered, fixed by the index, so both ends can be told it. */
export function podMac(slot: number, n: number): string {
  return ['02', '72', '34', hex(slot), hex(n >> 8), hex(n & 255)].join(':');
}

/** The trunk bridge's (the gateway's) MAC address in a slot. */
export function gatewayMac(slot: number): string {
  return ['02', '72', '35', hex(slot), '00', '01'].join(':');
}

/**
 * Pod indexes of one slot: a fresh one while there are, else the one freed longest ago, if its
 * quarantine is over. Pure apart from the clock it is given.
 */
export class AddressPool {
  private fresh = 0;
  // Freed indexes in the order they were freed, with when: FIFO, so the oldest is reused first.
  private readonly freed: { index: number; at: number }[] = [];
  private head = 0;

  constructor(
    readonly size: number,
    readonly quarantineMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** An index to use, or undefined when every index is in use or in quarantine. */
  take(): number | undefined {
    if (this.fresh < this.size) return this.fresh++;
    const oldest = this.freed[this.head];
    if (!oldest || this.now() - oldest.at < this.quarantineMs) return undefined;
    this.head++;
    // Drop the consumed prefix now and then, so the queue's array does not grow without bound.
    if (this.head > 1024 && this.head * 2 > this.freed.length) {
      this.freed.splice(0, this.head);
      this.head = 0;
    }
    return oldest.index;
  }

  release(index: number): void {
    this.freed.push({ index, at: this.now() });
  }

  /** How many indexes wait in quarantine or are free to reuse, for messages. */
  get waiting(): number {
    return this.freed.length - this.head;
  }
}
