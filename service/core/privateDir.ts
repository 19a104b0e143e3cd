// Where the service keeps what must be its alone: a directory made by mkdtemp (mode 0700) inside the
// sealed dir, holding the sealed copy of the core and, briefly, the socket that becomes the core's stdout.

export const PRIVATE_DIR_PREFIX = 'r4-core-';
export const SEALED_CORE_NAME = 're4_dump';
export const OUTPUT_SOCKET_NAME = 'core-stdout.sock';

/**
 * A Unix socket's path holds at most 107 bytes (sun_path is 108 with its NUL). The socket sits at
 * <sealed dir>/r4-core-XXXXXX/core-stdout.sock, so the sealed dir may be this long at most; Node 24
 * refuses a longer path (earlier Nodes cut it silently, binding a socket somewhere else).
 */
export const MAX_SEALED_DIR_BYTES = 107 - `/${PRIVATE_DIR_PREFIX}XXXXXX/${OUTPUT_SOCKET_NAME}`.length;
