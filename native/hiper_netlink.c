/*
 * rtnetlink for hiper's interface table: the kernel's own view of links, addresses and routes, correct
 * inside network namespaces. Messages are encoded and decoded in JavaScript (src/bind/netlink/); this
 * file only moves bytes.
 *
 *   netlinkRequest(request: Buffer) -> Buffer of every reply message, or -errno
 *     Sends one request on this thread's NETLINK_ROUTE socket (kept open: a route lookup runs per
 *     connect) and reads the replies to it, matched by sequence number: up to NLMSG_DONE for a dump,
 *     else the one answer (or NLMSG_ERROR). Synchronous: the kernel answers at once, and a receive
 *     timeout bounds the wait. The request's sequence number is set here.
 *
 *   netlinkWatch(groups: number, onMessages: (messages: Buffer | null, errno: number) => void) -> handle
 *     Subscribes to the multicast groups (RTMGRP_*) and calls onMessages with what arrives, on the
 *     event loop, without keeping it alive. messages is null with errno ENOBUFS when the kernel
 *     dropped notifications (the caller reads the table again).
 *   netlinkUnwatch(handle)
 */
#include <node_api.h>
#include <uv.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <linux/netlink.h>

#define CHECK(call) do { if ((call) != napi_ok) return NULL; } while (0)
#define RECV_BYTES 65536
#define REPLY_LIMIT (64 * 1024 * 1024)

static int open_netlink(unsigned int groups, int nonblock) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), NETLINK_ROUTE);
  if (fd < 0) return -errno;
  struct sockaddr_nl local;
  memset(&local, 0, sizeof local);
  local.nl_family = AF_NETLINK;
  local.nl_groups = groups;
  if (bind(fd, (struct sockaddr *)&local, sizeof local) < 0) {
    int err = errno;
    close(fd);
    return -err;
  }
  return fd;
}

/* 1: this datagram ends the reply (NLMSG_DONE, NLMSG_ERROR, or a message not part of a dump);
   0: more is coming; -1: it belongs to an earlier request (a reply left by a timeout), skip it. */
static int ends_reply(const char *buf, size_t len, uint32_t seq) {
  size_t left = len;
  const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
  if (NLMSG_OK(h, left) && h->nlmsg_seq != seq) return -1;
  for (; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
    if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) return 1;
    if (!(h->nlmsg_flags & NLM_F_MULTI)) return 1;
  }
  return 0;
}

/* This thread's request socket, opened on first use and closed after any failure. */
static __thread int request_fd = -1;
static __thread uint32_t request_seq = 0;

static int request_socket(void) {
  if (request_fd >= 0) return request_fd;
  int fd = open_netlink(0, 0);
  if (fd < 0) return fd;
  struct timeval tv = { .tv_sec = 2, .tv_usec = 0 };
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return request_fd = fd;
}

static void drop_request_socket(void) {
  if (request_fd >= 0) close(request_fd);
  request_fd = -1;
}

static napi_value number(napi_env env, int32_t n) {
  napi_value v;
  CHECK(napi_create_int32(env, n, &v));
  return v;
}

static napi_value netlink_request(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  void *req = NULL;
  size_t req_len = 0;
  bool is_buffer = false;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_is_buffer(env, argv[0], &is_buffer) != napi_ok || !is_buffer) {
    napi_throw_type_error(env, "ERR_INVALID_ARGUMENT", "netlinkRequest takes a Buffer");
    return NULL;
  }
  CHECK(napi_get_buffer_info(env, argv[0], &req, &req_len));
  if (req_len < sizeof(struct nlmsghdr)) {
    napi_throw_range_error(env, "ERR_INVALID_ARGUMENT", "netlinkRequest: the request is shorter than a netlink header");
    return NULL;
  }
  uint32_t seq = ++request_seq;
  ((struct nlmsghdr *)req)->nlmsg_seq = seq;

  int fd = request_socket();
  if (fd < 0) return number(env, fd);
  struct sockaddr_nl kernel;
  memset(&kernel, 0, sizeof kernel);
  kernel.nl_family = AF_NETLINK;
  if (sendto(fd, req, req_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
    int err = errno;
    drop_request_socket();
    return number(env, -err);
  }

  char *reply = NULL;
  size_t used = 0, cap = 0;
  int err = 0;
  for (;;) {
    if (cap - used < RECV_BYTES) {
      size_t next = cap ? cap * 2 : RECV_BYTES * 2;
      char *grown = next <= REPLY_LIMIT ? realloc(reply, next) : NULL;
      if (grown == NULL) { err = ENOMEM; break; }
      reply = grown;
      cap = next;
    }
    ssize_t n = recv(fd, reply + used, RECV_BYTES, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno; /* EAGAIN: the receive timeout passed */
      break;
    }
    if (n == 0) { err = EPIPE; break; }
    int done = ends_reply(reply + used, (size_t)n, seq);
    if (done < 0) continue;
    used += (size_t)n;
    if (done) break;
  }
  if (err) {
    drop_request_socket();
    free(reply);
    return number(env, -err);
  }
  napi_status s = napi_create_buffer_copy(env, used, reply, NULL, &out);
  free(reply);
  return s == napi_ok ? out : NULL;
}

/* One subscription: its socket, the poll handle on the event loop, and the callback. */
typedef struct {
  uv_poll_t poll;
  int fd;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  int closed;
} watch_t;

static void call_back(watch_t *w, const char *buf, size_t len, int err) {
  napi_env env = w->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value fn, recv, argv[2], result;
  if (napi_get_reference_value(env, w->callback, &fn) == napi_ok && fn != NULL &&
      napi_get_global(env, &recv) == napi_ok) { /* make_callback needs an object receiver */
    if (buf != NULL) napi_create_buffer_copy(env, len, buf, NULL, &argv[0]);
    else napi_get_null(env, &argv[0]);
    napi_create_int32(env, err, &argv[1]);
    /* make_callback runs microtasks afterwards, as any event from the loop would; an exception
       thrown by the callback goes to 'uncaughtException', like any event handler's. */
    if (napi_make_callback(env, w->context, recv, fn, 2, argv, &result) == napi_pending_exception) {
      napi_value err;
      if (napi_get_and_clear_last_exception(env, &err) == napi_ok) napi_fatal_exception(env, err);
    }
  }
  napi_close_handle_scope(env, scope);
}

static void on_readable(uv_poll_t *poll, int status, int events) {
  watch_t *w = (watch_t *)poll->data;
  (void)events;
  if (w->closed) return;
  if (status < 0) {
    call_back(w, NULL, 0, -status);
    return;
  }
  char buf[RECV_BYTES];
  for (int i = 0; i < 64 && !w->closed; i++) { /* bounded: other events get their turn */
    ssize_t n = recv(w->fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      call_back(w, NULL, 0, errno); /* ENOBUFS: notifications were lost */
      continue;
    }
    call_back(w, buf, (size_t)n, 0);
  }
}

static void on_closed(uv_handle_t *handle) {
  watch_t *w = (watch_t *)handle->data;
  close(w->fd);
  free(w);
}

static void stop_watch(watch_t *w) {
  if (w->closed) return;
  w->closed = 1;
  uv_poll_stop(&w->poll);
  napi_delete_reference(w->env, w->callback);
  napi_async_destroy(w->env, w->context);
  uv_close((uv_handle_t *)&w->poll, on_closed);
}

static void cleanup_hook(void *arg) {
  stop_watch((watch_t *)arg);
}

static napi_value netlink_watch(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], out, name, resource;
  uint32_t groups = 0;
  napi_valuetype t;
  uv_loop_t *loop;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || napi_get_value_uint32(env, argv[0], &groups) != napi_ok ||
      napi_typeof(env, argv[1], &t) != napi_ok || t != napi_function) {
    napi_throw_type_error(env, "ERR_INVALID_ARGUMENT", "netlinkWatch takes (groups, callback)");
    return NULL;
  }
  int fd = open_netlink(groups, 1);
  if (fd < 0) return number(env, fd);
  watch_t *w = calloc(1, sizeof *w);
  if (w == NULL) { close(fd); return number(env, -ENOMEM); }
  w->fd = fd;
  w->env = env;
  w->poll.data = w;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || uv_poll_init(loop, &w->poll, fd) != 0) {
    close(fd);
    free(w);
    return number(env, -EINVAL);
  }
  /* Some Node versions refuse a NULL resource ("Cannot convert undefined or null to object"). */
  if (napi_create_object(env, &resource) != napi_ok ||
      napi_create_string_utf8(env, "hiper:netlink", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_async_init(env, resource, name, &w->context) != napi_ok) {
    uv_close((uv_handle_t *)&w->poll, on_closed);
    return NULL;
  }
  napi_create_reference(env, argv[1], 1, &w->callback);
  uv_poll_start(&w->poll, UV_READABLE, on_readable);
  uv_unref((uv_handle_t *)&w->poll); /* a live table never keeps the process alive */
  napi_add_env_cleanup_hook(env, cleanup_hook, w);
  CHECK(napi_create_external(env, w, NULL, NULL, &out));
  return out;
}

static napi_value netlink_unwatch(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *data = NULL;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_external(env, argv[0], &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, "ERR_INVALID_ARGUMENT", "netlinkUnwatch takes a handle from netlinkWatch");
    return NULL;
  }
  watch_t *w = (watch_t *)data;
  if (!w->closed) {
    napi_remove_env_cleanup_hook(env, cleanup_hook, w);
    stop_watch(w);
  }
  return NULL;
}

napi_value hiper_netlink_init(napi_env env, napi_value exports) {
  napi_value fn;
  CHECK(napi_create_function(env, "netlinkRequest", NAPI_AUTO_LENGTH, netlink_request, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "netlinkRequest", fn));
  CHECK(napi_create_function(env, "netlinkWatch", NAPI_AUTO_LENGTH, netlink_watch, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "netlinkWatch", fn));
  CHECK(napi_create_function(env, "netlinkUnwatch", NAPI_AUTO_LENGTH, netlink_unwatch, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "netlinkUnwatch", fn));
  return exports;
}
