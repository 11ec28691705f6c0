import type { S3Event } from 'aws-lambda';

/** One record of an S3 event notification, as the functions use it. */
export interface S3ObjectEvent {
  /** The event name without its `s3:` prefix (`ObjectCreated:Put`, `ObjectRemoved:Delete`, ...). */
  readonly name: string;
  /** The object key, decoded (S3 sends keys URL-encoded, spaces as `+`). */
  readonly key: string;
  /** S3's ordering token of events for the same key ('' when absent). */
  readonly sequencer: string;
}

/** The records of an S3 event notification, in order. */
export function s3ObjectEvents(event: S3Event): S3ObjectEvent[] {
  return (event.Records ?? []).map((record) => ({
    name: record.eventName?.replace(/^s3:/, '') ?? '',
    key: decodeURIComponent((record.s3?.object?.key ?? '').replace(/\+/g, ' ')),
    sequencer: record.s3?.object?.sequencer ?? '',
  }));
}
