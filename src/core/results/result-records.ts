/**
 * What the bot remembers of a posted result, so its buttons work after a restart and on any instance: a
 * record per person and result (kept 30 days) and the job's images (one copy per job, kept 24 hours, for
 * Share). A button carries only the record's short id, never the state itself. The id is derived from the
 * stored asker's id, so a final reply tried again (by this instance or another) keeps the same record and the
 * same buttons.
 */
import { createHash } from 'node:crypto';
import type { ImageType } from '../image-type.js';
import type { ImageFile, ResolvedImages } from '../images.js';
import type { Clock, KeyValueStore, WorkspaceId } from '../ports.js';
import type { Submission } from '../submission.js';
import type { StoredAsker, WatchKey } from '../watcher/types.js';

/** How long a result's buttons work. */
export const RESULT_RECORD_TTL_MS = 30 * 24 * 60 * 60_000;
/** How long a result's images are kept for Share. */
export const KEPT_IMAGES_TTL_MS = 24 * 60 * 60_000;
/** Results with more image bytes than this are not kept: Share then says the images expired. */
export const MAX_KEPT_IMAGE_BYTES = 16 * 1024 * 1024;

/** A posted result, as its buttons find it. */
export interface ResultRecord {
  id: string;
  workspace: WorkspaceId;
  jobId: string;
  platform: string;
  /** The asker's stored reply address: where a Share of a private result goes (the channel they asked in). */
  address: unknown;
  requesterId: string;
  mention: string;
  askedAt: number;
  completedAt: number;
  private: boolean;
  imageCount: number;
  /** Imagine's settings (Again re-submits them with a new seed); absent for a `status` result. */
  submission?: Submission;
  /** The adapter's reference to what it posted (Slack's file ids), for Delete. */
  posted?: unknown;
}

interface KeptImage {
  name: string;
  type: ImageType;
  base64: string;
  sourceUrl?: string;
}

/** The records and kept images, in the bot's shared store. */
export interface ResultRecords {
  /** Stores `record` (from `resultRecordOf`) and the job's images (again, harmlessly, when a reply is retried). */
  keep(record: ResultRecord, images: ResolvedImages): Promise<void>;
  get(id: string): Promise<ResultRecord | undefined>;
  /** The kept images of `record`'s job; undefined once they expired (or were too large to keep). */
  images(record: ResultRecord): Promise<ImageFile[] | undefined>;
  /** Notes what the adapter posted with `record` (as `keep` returned it), for a later Delete. */
  notePosted(record: ResultRecord, posted: unknown): Promise<void>;
  /** Forgets the record (after Delete); the job's images stay for others who asked for it, until they expire. */
  remove(id: string): Promise<void>;
}

const RECORD_ID = /^[A-Za-z0-9_-]{16}$/;
/** Jobs remembered in-process as kept; past this the memory starts again (the store's marker still holds). */
const KEPT_HERE_MAX = 1_000;

/** The record id of `askerId`'s result: 96 bits of its hash, in 16 URL-safe characters. */
export function resultRecordId(askerId: string): string {
  return createHash('sha256').update(`result:${askerId}`).digest('base64url').slice(0, 16);
}

/** True when `text` has the shape of a record id (checked before any store read). */
export function isResultRecordId(text: string): boolean {
  return RECORD_ID.test(text);
}

const recordKey = (id: string) => `result:${id}`;
/** A job's images are one per workspace and job id (hashed: both may hold any character). */
const jobHash = (key: WatchKey) =>
  createHash('sha256')
    .update(JSON.stringify([key.workspace, key.jobId]))
    .digest('base64url')
    .slice(0, 22);
const imagesKey = (key: WatchKey) => `result-images:${jobHash(key)}`;
const keptMarkerKey = (key: WatchKey) => `result-images-kept:${jobHash(key)}`;

/** The record of the result `asker` is about to receive: the same id each time the reply is tried. */
export function resultRecordOf(
  key: WatchKey,
  asker: StoredAsker,
  images: ResolvedImages,
  completedAt: number,
): ResultRecord {
  return {
    id: resultRecordId(asker.id),
    workspace: key.workspace,
    jobId: key.jobId,
    platform: asker.platform,
    address: asker.address,
    requesterId: asker.requesterId,
    mention: asker.mention,
    askedAt: asker.joinedAt,
    completedAt,
    private: asker.private === true,
    imageCount: images.files.length,
    ...(asker.submission ? { submission: asker.submission } : {}),
  };
}

/** Builds the records on `store`. */
export function createResultRecords(store: KeyValueStore, clock: Clock): ResultRecords {
  // Jobs whose images this process kept lately; bounded, and only a shortcut (the marker is the truth).
  const keptHere = new Map<string, number>();
  return {
    async keep(record, images) {
      await keepImages(record, images);
      await store.set(recordKey(record.id), record, RESULT_RECORD_TTL_MS);
    },
    get: (id) => (isResultRecordId(id) ? store.get<ResultRecord>(recordKey(id)) : Promise.resolve(undefined)),
    async images(record) {
      const kept = await store.get<KeptImage[]>(imagesKey(record));
      return kept?.map((image) => ({
        name: image.name,
        type: image.type,
        bytes: Buffer.from(image.base64, 'base64'),
        ...(image.sourceUrl ? { sourceUrl: image.sourceUrl } : {}),
      }));
    },
    async notePosted(record, posted) {
      const left = record.completedAt + RESULT_RECORD_TTL_MS - clock.now();
      if (left > 0) await store.set(recordKey(record.id), { ...record, posted }, left);
    },
    // The images are the job's, shared by everyone who asked for it: they stay for the others (and expire).
    async remove(id) {
      await store.delete(recordKey(id));
    },
  };

  /**
   * Keeps a job's images once for everyone who asked for it (a crowd of 300 on one job stores one copy); a
   * small marker says they are kept, so the next person's record does not read or write the bytes again.
   */
  async function keepImages(key: WatchKey, images: ResolvedImages): Promise<void> {
    const bytes = images.files.reduce((total, file) => total + file.bytes.length, 0);
    if (images.files.length === 0 || bytes > MAX_KEPT_IMAGE_BYTES) return;
    const marker = keptMarkerKey(key);
    // This process kept them already (a crowd on one job): not even the marker is read again.
    const keptUntil = keptHere.get(marker) ?? 0;
    if (keptUntil > clock.now() || (await store.get<boolean>(marker))) return remember(marker);
    const kept: KeptImage[] = images.files.map((file) => ({
      name: file.name,
      type: file.type,
      base64: file.bytes.toString('base64'),
      ...(file.sourceUrl ? { sourceUrl: file.sourceUrl } : {}),
    }));
    await store.set(imagesKey(key), kept, KEPT_IMAGES_TTL_MS);
    await store.set(marker, true, KEPT_IMAGES_TTL_MS);
    remember(marker);
  }

  function remember(marker: string): void {
    if (keptHere.size >= KEPT_HERE_MAX) keptHere.clear();
    // A little short of the marker's own expiry: after that the bytes are kept again, not assumed.
    if (!keptHere.has(marker)) keptHere.set(marker, clock.now() + KEPT_IMAGES_TTL_MS / 2);
  }
}
