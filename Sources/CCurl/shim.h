#ifndef TAPEDECK_CCURL_SHIM_H
#define TAPEDECK_CCURL_SHIM_H
#include <curl/curl.h>

/* curl_easy_setopt and curl_easy_getinfo are variadic; Swift cannot call them, so each argument type gets a typed wrapper. */
static inline CURLcode tapedeck_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode tapedeck_curl_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode tapedeck_curl_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode tapedeck_curl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode tapedeck_curl_setopt_offset(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
typedef size_t (*tapedeck_curl_data_callback)(char *, size_t, size_t, void *);
static inline CURLcode tapedeck_curl_setopt_data_callback(CURL *h, CURLoption o, tapedeck_curl_data_callback v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode tapedeck_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode tapedeck_curl_getinfo_pointer(CURL *h, CURLINFO i, void **v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode tapedeck_curl_getinfo_double(CURL *h, CURLINFO i, double *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLMcode tapedeck_curl_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }
/* CURLPAUSE_CONT is a macro expression Swift does not import; curl_easy_pause(3)'s two bitmasks as constants. */
static const int tapedeck_curlpause_recv = CURLPAUSE_RECV;
static const int tapedeck_curlpause_cont = CURLPAUSE_CONT;
#endif
