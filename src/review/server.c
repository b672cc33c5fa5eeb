/* server.c - formocr review's HTTP server (libmicrohttpd), bound to the
 * loopback by default; every request but the page's static files carries
 * the session's token (review.h). */
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formocr/review.h"
#include "review_internal.h"
#include "util.h"

/* A POST's body: a decision is a field's name and a value. */
enum { MAX_BODY = 64 * 1024, TOKEN_BYTES = 24 };
enum { MAX_CONNECTIONS = 512, CONNECTION_TIMEOUT = 5 };

typedef struct server {
    const fo_review_options *o;
    sqlite3 *db;
    fo_review_cropper *cropper;
    char token[2 * TOKEN_BYTES + 1];
} server;

/* One request's POST body, gathered across calls. */
typedef struct upload {
    char *data;
    size_t size;
    bool too_big;
} upload;

static enum MHD_Result respond(struct MHD_Connection *conn, unsigned status,
                               const char *type, const void *data, size_t size,
                               enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(size, (void *)data, mode);
    enum MHD_Result ret;
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    /* the token is in the address: never sent on, never cached */
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'none'; script-src 'self'; style-src 'self'; "
                            "img-src 'self'; connect-src 'self'; form-action 'none'; "
                            "frame-ancestors 'none'; base-uri 'none'");
    ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_json(struct MHD_Connection *conn, unsigned status,
                                 char *text)
{
    if (!text)
        return respond(conn, 500, "application/json", "{\"error\":\"out of memory\"}",
                       25, MHD_RESPMEM_PERSISTENT);
    return respond(conn, status, "application/json; charset=utf-8", text, strlen(text),
                   MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result send_error(struct MHD_Connection *conn, unsigned status,
                                  const char *message)
{
    json_t *j = json_pack("{s:s}", "error", message);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return send_json(conn, status, text);
}

static bool token_ok(const server *s, const char *given)
{
    size_t n = strlen(s->token);
    return given && strlen(given) == n && CRYPTO_memcmp(given, s->token, n) == 0;
}

/* A document id from a query argument: digits only. */
static bool parse_id(const char *text, long long *id)
{
    long long v;
    if (!text || !fo_parse_int(text, 0, INT64_MAX / 2, &v))
        return false;
    *id = v;
    return true;
}

static enum MHD_Result serve_asset(struct MHD_Connection *conn, const char *url)
{
    for (const fo_review_asset *a = fo_review_assets; a->path; a++)
        if (strcmp(a->path, url) == 0)
            return respond(conn, 200, a->type, a->data, a->size,
                           MHD_RESPMEM_PERSISTENT);
    return send_error(conn, 404, "no such page");
}

static enum MHD_Result serve_crop(server *s, struct MHD_Connection *conn)
{
    const char *doc =
        MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "document");
    const char *field =
        MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "field");
    fo_review_place place;
    fo_error err;
    uint8_t *png = NULL;
    size_t size = 0;
    long long id;
    int rc;

    if (!parse_id(doc, &id) || !field)
        return send_error(conn, 400, "document and field are needed");
    if (fo_review_place_of(s->db, id, field, &place, &err) != FO_OK)
        return send_error(conn, err.code == FO_ERR_USAGE ? 404 : 500, err.message);
    rc = fo_review_crop(s->cropper, &place, &png, &size, &err);
    fo_review_place_free(&place);
    if (rc != FO_OK)
        return send_error(conn,
                          rc == FO_ERR_CHANGED ? 410
                          : rc == FO_ERR_IO    ? 404
                          : rc == FO_ERR_NOMEM ? 500
                                               : 422,
                          err.message);
    return respond(conn, 200, "image/png", png, size, MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result serve_decide(server *s, struct MHD_Connection *conn, upload *u)
{
    fo_review_decision d;
    fo_error err;
    int rc;

    if (u->too_big)
        return send_error(conn, 413, "the request is too large");
    if (fo_review_parse_decision(u->data ? u->data : "", u->size, &d, &err) != FO_OK)
        return send_error(conn, 400, err.message);
    rc = fo_review_decide(s->db, s->o->template_, d.document, d.field, d.value,
                          d.unreadable, s->o->who, &err);
    fo_review_decision_free(&d);
    if (rc != FO_OK)
        return send_error(conn, rc == FO_ERR_USAGE ? 404 : 503, err.message);
    {
        char *left = fo_review_left(s->db, s->o->template_, &err);
        char *text = left ? fo_asprintf("{\"saved\":true,\"left\":%s}", left) : NULL;
        free(left);
        return send_json(conn, 200, text);
    }
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version,
                              const char *upload_data, size_t *upload_data_size,
                              void **con_cls)
{
    server *s = cls;
    bool post = strcmp(method, "POST") == 0;
    (void)version;

    if (post) {
        upload *u = *con_cls;
        if (!u) {
            if (!(u = calloc(1, sizeof *u)))
                return MHD_NO;
            *con_cls = u;
            return MHD_YES;
        }
        if (*upload_data_size) {
            if (u->size + *upload_data_size > MAX_BODY) {
                u->too_big = true;
            } else {
                char *grown = realloc(u->data, u->size + *upload_data_size + 1);
                if (!grown)
                    return MHD_NO;
                memcpy(grown + u->size, upload_data, *upload_data_size);
                u->data = grown;
                u->size += *upload_data_size;
                u->data[u->size] = '\0';
            }
            *upload_data_size = 0;
            return MHD_YES;
        }
        if (strcmp(url, "/api/decide") != 0)
            return send_error(conn, 404, "no such page");
        /* a decision carries the token in a header, which a page of
         * another site cannot set */
        if (!token_ok(s, MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                     "X-Formocr-Token")))
            return send_error(conn, 403, "the session's token is needed");
        return serve_decide(s, conn, u);
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return send_error(conn, 405, "GET or POST only");
    /* the page's code and style hold no data: no token for them */
    if (strcmp(url, "/app.js") == 0 || strcmp(url, "/app.css") == 0)
        return serve_asset(conn, url);
    /* asked by every browser: nothing, rather than a refusal in its console */
    if (strcmp(url, "/favicon.ico") == 0)
        return respond(conn, 204, "image/x-icon", "", 0, MHD_RESPMEM_PERSISTENT);
    if (!token_ok(s, MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "token")))
        return send_error(conn, 403,
                          "the session's token is needed: open the address formocr "
                          "review printed");
    if (strcmp(url, "/") == 0)
        return serve_asset(conn, "/index.html");
    if (strcmp(url, "/api/next") == 0) {
        const char *after =
            MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "after");
        long long id = 0;
        fo_error err;
        char *text;
        if (after && !parse_id(after, &id))
            return send_error(conn, 400, "after: a document id");
        text = fo_review_next(s->db, s->o->template_, id, &err);
        return text ? send_json(conn, 200, text) : send_error(conn, 500, err.message);
    }
    if (strcmp(url, "/api/crop") == 0)
        return serve_crop(s, conn);
    return send_error(conn, 404, "no such page");
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                      enum MHD_RequestTerminationCode why)
{
    upload *u = *con_cls;
    (void)cls;
    (void)conn;
    (void)why;
    if (u) {
        free(u->data);
        free(u);
        *con_cls = NULL;
    }
}

int fo_review_serve(const fo_review_options *o, fo_error *err)
{
    server s = {.o = o};
    struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
                             .ai_socktype = SOCK_STREAM},
                    *found = NULL;
    struct sockaddr_storage addr;
    char port_text[8];
    struct MHD_Daemon *daemon = NULL;
    const union MHD_DaemonInfo *info;
    unsigned char raw[TOKEN_BYTES];
    const char *host = o->host ? o->host : "127.0.0.1";
    bool v6;
    sigset_t stop, old;
    char *url = NULL;
    int rc, sig, port;

    if (strcmp(host, "localhost") == 0)
        host = "127.0.0.1";
    /* an address as written (IPv4 or IPv6), never a name looked up */
    snprintf(port_text, sizeof port_text, "%d", o->port);
    if (getaddrinfo(host, port_text, &hints, &found) != 0 || !found)
        return fo_error_set(err, FO_ERR_USAGE, "--host: \"%s\" is not an address",
                            host);
    memcpy(&addr, found->ai_addr, found->ai_addrlen);
    v6 = found->ai_family == AF_INET6;
    freeaddrinfo(found);
    if (RAND_bytes(raw, sizeof raw) != 1)
        return fo_error_set(err, FO_ERR_CONFIG, "no random numbers for the token");
    fo_hex(raw, sizeof raw, s.token);
    if ((rc = fo_review_open(o->database, &s.db, err)) != FO_OK)
        return rc;
    if (o->template_) {
        bool has;
        if ((rc = fo_review_has_template(s.db, o->template_, &has, err)) != FO_OK)
            goto out;
        if (!has) {
            rc = fo_error_set(err, FO_ERR_USAGE, "%s: no document of template \"%s\"",
                              o->database, o->template_);
            goto out;
        }
    }
    if (!(s.cropper = fo_review_cropper_new(o->scans_dir))) {
        rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        goto out;
    }
    /* the signals that stop the server are taken here, not by the
     * server's thread (which inherits the mask) */
    /* a reader of the printed address gone, or a browser that closed its
     * connection: a failed write, not the end of the server */
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, &old);
    /* one thread answers every request in turn: the database connection
     * and the cropper's page are its own */
    /* a connection that sends nothing for CONNECTION_TIMEOUT seconds is
     * closed, and there is room for many: idle or trickling connections
     * (anyone on the machine can open them, token or not) do not lock the
     * reviewer out for long.  MHD's own messages are left out: what fails
     * is said once, below */
    daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | (v6 ? MHD_USE_IPv6 : 0), 0,
        NULL, NULL, handle, &s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)MAX_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)CONNECTION_TIMEOUT, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)(256 * 1024), MHD_OPTION_END);
    if (!daemon) {
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        rc = fo_error_set(err, FO_ERR_IO, "cannot listen on %s port %d (%s)", host,
                          o->port, strerror(errno ? errno : EADDRINUSE));
        goto out;
    }
    info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    port = info ? info->port : o->port;
    url = fo_asprintf(v6 ? "http://[%s]:%d/?token=%s" : "http://%s:%d/?token=%s", host,
                      port, s.token);
    if (!url) {
        rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    } else {
        if (o->listening)
            o->listening(o->ctx, url);
        while (sigwait(&stop, &sig) != 0)
            ;
    }
    MHD_stop_daemon(daemon);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
out:
    free(url);
    fo_review_cropper_free(s.cropper);
    sqlite3_close(s.db);
    return rc;
}
