// Original file: proto/noderoll/agent/v1/agent.proto

export const BootSelector = {
  /**
   * same as CURRENT
   */
  BOOT_SELECTOR_UNSPECIFIED: 'BOOT_SELECTOR_UNSPECIFIED',
  BOOT_SELECTOR_CURRENT: 'BOOT_SELECTOR_CURRENT',
  BOOT_SELECTOR_PREVIOUS: 'BOOT_SELECTOR_PREVIOUS',
  BOOT_SELECTOR_ALL: 'BOOT_SELECTOR_ALL',
} as const;

export type BootSelector =
  /**
   * same as CURRENT
   */
  | 'BOOT_SELECTOR_UNSPECIFIED'
  | 0
  | 'BOOT_SELECTOR_CURRENT'
  | 1
  | 'BOOT_SELECTOR_PREVIOUS'
  | 2
  | 'BOOT_SELECTOR_ALL'
  | 3

export type BootSelector__Output = typeof BootSelector[keyof typeof BootSelector]
