import { isImageSnapshot } from '../../src/activities/reap-snapshots';

describe('isImageSnapshot: the reaper deletes only snapshots AWS made for an image', () => {
  it.each([
    ['Created by CreateImage(i-1234567890abcdef0) for ami-0abcdef1234567890', true],
    ['Created by CreateImage(i-1234567890abcdef0) for ami-0abcdef1234567890 from vol-0123456789abcdef0', true],
    ['Copied for DestinationAmi ami-0abcdef1234567890 from SourceAmi ami-0fedcba9876543210 for SourceSnapshot snap-0123456789abcdef0. Task created on 1,700,000,000,000.', true],
    ['nightly backup of the database volume', false],
    ['', false],
    [undefined, false],
    ['Created by CreateImage(i-1234) for my-ami', false],
    ['my notes: Created by CreateImage(i-1234567890abcdef0) for ami-0abcdef1234567890', false],
  ])('%j → %s', (description, expected) => {
    expect(isImageSnapshot({ SnapshotId: 'snap-0123456789abcdef0', Description: description })).toBe(expected);
  });
});
