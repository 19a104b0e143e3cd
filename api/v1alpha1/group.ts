// The EntropyAppliance API's group, version and names: what `kubectl api-resources` shows.
export const GROUP = 'r4.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'EntropyAppliance';
export const LIST_KIND = 'EntropyApplianceList';
export const PLURAL = 'entropyappliances';
export const SINGULAR = 'entropyappliance';
export const SHORT_NAMES = ['ea'] as const;
export const CATEGORIES = ['r4'] as const;
