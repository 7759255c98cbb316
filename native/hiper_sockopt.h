/* The option words openFd takes (src/bind/socket-options.ts writes them in this layout). */
#ifndef HIPER_SOCKOPT_H
#define HIPER_SOCKOPT_H
#include <node_api.h>
#include <stdint.h>

/* Bits of word 0: which options are set. */
enum {
  HIPER_OPT_FWMARK = 1,
  HIPER_OPT_TOS = 2,
  HIPER_OPT_PRIORITY = 4,
  HIPER_OPT_USER_TIMEOUT = 8,
  HIPER_OPT_KEEPALIVE = 16,
  HIPER_OPT_FREEBIND = 32
};

/* Word positions. fwmark and priority are unsigned 32-bit values carried in an int32's bits. */
enum {
  HIPER_W_FLAGS,
  HIPER_W_FWMARK,
  HIPER_W_TOS,
  HIPER_W_PRIORITY,
  HIPER_W_USER_TIMEOUT,
  HIPER_W_KEEPIDLE,
  HIPER_W_KEEPINTVL,
  HIPER_W_KEEPCNT,
  HIPER_SOCKOPT_WORDS
};

/* Sets the options on fd; 0, or -1 with errno set and *syscall naming the call that failed. */
int hiper_apply_options(int fd, int family, const int32_t *words, const char **syscall);
const int32_t *hiper_option_words(napi_env env, napi_value v);
napi_value hiper_sockopt_init(napi_env env, napi_value exports);

#endif
