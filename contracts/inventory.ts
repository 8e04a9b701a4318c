/**
 * The inventory: the machines the engine may dial, in named groups, with the names alerts call
 * them by. Read from the worker's configuration; resolved against targets by the one pure target
 * resolver (language/plan/targets.ts) that `firebreak plan` and the `runCommand` activity share.
 * Pure types: imported by workflow code.
 */

/** One machine: where to dial it, and the other names alerts use for it. */
export interface InventoryHost {
  /** SSH address: a host name or an IP address. */
  host: string;
  /** SSH port of this machine (else the target's, else 22). */
  port?: number;
  /** Login user on this machine (else the target's, else the worker's own user). */
  user?: string;
  /**
   * Names alerts use for this machine, matched case-insensitively against a rendered host: an
   * exporter's `instance` (`db1:9187`), a `nodename` (`db1.prod.example.com`), a short name.
   */
  aliases?: string[];
}

/** Group name → machines (a target's `group:` names one; aliases are looked up across all). */
export type Inventory = Record<string, InventoryHost[]>;

/** How hosts from alerts are resolved against the inventory. */
export interface TargetPolicy {
  /**
   * Strict inventory: a host that came from alert data must be an inventory machine (by host or
   * alias); anything else is refused instead of dialled.
   */
  strictInventory: boolean;
  /** Login user when neither the inventory nor the target names one (the worker's own user). */
  defaultUser: string;
}
