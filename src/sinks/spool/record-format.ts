/**
 * On-disk layout of one spool record (all integers big-endian):
 *   magic u32 = 0xF7544753 | length u32 (payload bytes) | crc32 u32 (of payload) | payload
 * The magic lets a reader find the next record after a corrupted length; its first byte 0xF7
 * never occurs in UTF-8, so JSON payload text cannot imitate it. The CRC catches torn or
 * flipped payload bytes.
 */
export const RECORD_MAGIC = 0xf7544753;
export const RECORD_HEADER_BYTES = 12;
