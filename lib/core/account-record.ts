/** One simulated user's credentials and identity. User number n (0-based, in arrival order) uses record n. */
export interface AccountRecord {
  uid: string;
  password: string;
  commonName: string;
  email: string;
  /** Directory GUID (master-generation accounts files); the uid when absent. */
  guid: string;
  /** The pod (server) this user lives on; `PodA` when the file does not say. */
  podID: string;
}

export const DEFAULT_POD = 'PodA';
