vcl 4.1;
# Varnish in front of Newsroom: anonymous readers' pages cached and purged by surrogate key.
#
# - Cached: anonymous GET/HEAD, with cookies and tracking parameters (utm_*, fbclid, gclid,
#   mc_cid, mc_eid, ...) stripped first, so every reader shares one copy.
# - Passed: staff (Django's session or CSRF cookie: "sessionid"/"csrftoken", settings
#   SESSION_COOKIE_NAME / CSRF_COOKIE_NAME; change both together), /admin/, shared previews
#   (/preview/), Authorization, POST and every other method.
# - Lifetime: the page's Surrogate-Control max-age (sent by Django only when a purging tier is
#   configured, NEWSROOM_PURGED_CACHE_MAX_AGE, hours), else Cache-Control s-maxage (CDN_MAX_AGE,
#   a minute). A 410 at most 60 s, a 404 at most 5 s, a 5xx never; nothing without a lifetime.
# - Grace: an expired page is served stale for up to 6 h while it is fetched again in the
#   background, or while the backend is sick (probe on /healthz) or answers 5xx: readers never
#   see an error for a page Varnish has had. A purge is hard (the object goes), so a takedown is
#   never served stale.
# - Purge: PURGE / with "xkey-purge: <keys>" from the purgers ACL answers 200 with
#   "xkey-purged: <n>"; from anywhere else 405 (pagecache.tiers sends these).
# - Headers: Age, X-Cache (HIT, MISS or PASS) and X-Cache-Hits on every response. The keys
#   (xkey, Surrogate-Key, Cache-Tag) and Surrogate-Control are removed unless the request says
#   "X-Cache-Debug: 1", which also adds X-Cache-TTL and X-Cache-Grace (a CDN in front of
#   Varnish sends it to receive the keys; it strips them from readers itself).
#
# The lines marked @...@ are filled from the environment by render-vcl.sh (docker-compose and
# the tests run it); as committed the file is a working configuration for a backend at
# 127.0.0.1:8000 purged from this machine.

import std;
import xkey;

backend default {
    .host = "127.0.0.1";  # @VARNISH_BACKEND_HOST@
    .port = "8000";  # @VARNISH_BACKEND_PORT@
    .connect_timeout = 2s;
    .first_byte_timeout = 60s;
    .between_bytes_timeout = 10s;
    .probe = {
        # An allowed Host, and HTTPS as the TLS proxy would say (else SECURE_SSL_REDIRECT
        # answers the probe with a redirect).
        .request =
            "GET /healthz HTTP/1.1"
            "Host: localhost"  # @VARNISH_PROBE_HOST@
            "X-Forwarded-Proto: https"
            "User-Agent: Varnish health probe"
            "Connection: close";
        .expected_response = 200;
        .interval = 5s;
        .timeout = 3s;
        .window = 5;
        .threshold = 3;
        .initial = 3;
    }
}

acl purgers {
    "localhost";
    "127.0.0.1";
    "::1";
    # @VARNISH_PURGERS@
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(405, "Purging not allowed from " + client.ip));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "An xkey-purge header is required"));
        }
        set req.http.xkey-purged = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged"));
    }
    unset req.http.xkey-purged;

    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.url ~ "^/(admin|preview)(/|$)" || req.http.Authorization) {
        return (pass);
    }
    # Staff: a session, or the CSRF cookie of someone about to log in.
    if (req.http.Cookie ~ "(^|;)\s*(sessionid|csrftoken)=") {
        return (pass);
    }
    unset req.http.Cookie;

    # Tracking parameters change nothing on the page: one copy for every campaign.
    if (req.url ~ "[?&](utm_[a-z_]+|fbclid|gclid|gbraid|wbraid|dclid|msclkid|yclid|twclid|igshid|mc_cid|mc_eid|_ga|_gl|_hsenc|_hsmi|mkt_tok)(=|&|$)") {
        set req.url = regsuball(req.url, "([?&])(utm_[a-z_]+|fbclid|gclid|gbraid|wbraid|dclid|msclkid|yclid|twclid|igshid|mc_cid|mc_eid|_ga|_gl|_hsenc|_hsmi|mkt_tok)(=[^&]*)?", "\1");
        set req.url = regsuball(req.url, "&&+", "&");
        set req.url = regsub(req.url, "\?&+", "?");
        set req.url = regsub(req.url, "[?&]+$", "");
    }
    set req.url = std.querysort(req.url);
    return (hash);
}

sub vcl_hash {
    # http and https pages differ (absolute links, HSTS), as in the page cache.
    hash_data(req.http.X-Forwarded-Proto);
}

sub vcl_backend_response {
    # Django's page cache says "X-Cache: hit/miss"; Varnish says its own at delivery.
    unset beresp.http.X-Cache;
    # The keys, whichever header the site sends them in (settings SURROGATE_KEY_HEADER).
    if (!beresp.http.xkey) {
        if (beresp.http.Surrogate-Key) {
            set beresp.http.xkey = beresp.http.Surrogate-Key;
        } elsif (beresp.http.Cache-Tag) {
            set beresp.http.xkey = regsuball(beresp.http.Cache-Tag, "\s*,\s*", " ");
        }
    }
    set beresp.grace = 6h;

    if (beresp.status >= 500) {
        # Never cached. A background refresh that fails keeps the stale copy in use.
        if (bereq.is_bgfetch) {
            return (abandon);
        }
        set beresp.uncacheable = true;
        set beresp.ttl = 1s;
        return (deliver);
    }
    if (bereq.uncacheable) {
        return (deliver);
    }
    if (beresp.http.Set-Cookie || beresp.http.Vary == "*") {
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
    if (beresp.http.Cache-Control ~ "(?i)(private|no-cache|no-store)") {
        # Not kept, and only for a second: the site says no-store for one response when a
        # purge landed while it was being made (pagecache.middleware), and the next one is
        # cached as usual.
        set beresp.uncacheable = true;
        set beresp.ttl = 1s;
        return (deliver);
    }
    if (beresp.http.Surrogate-Control ~ "(?i)(^|[,\s])max-age=\d+") {
        set beresp.ttl = std.duration(regsub(beresp.http.Surrogate-Control,
            "(?i)^(.*[,\s])?max-age=(\d+).*$", "\2s"), 0s);
    } elsif (beresp.http.Cache-Control !~ "(?i)(s-maxage|max-age)=" && !beresp.http.Expires) {
        # No lifetime given (health checks, pages that did not declare what they show).
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
    # Otherwise beresp.ttl is already Cache-Control's s-maxage (or max-age, or Expires).
    if (beresp.status == 410 && beresp.ttl > 60s) {
        # Gone only briefly: a story republished at its address is purged by its key, and
        # shows by the next minute even if no purge reached this cache.
        set beresp.ttl = 60s;
    } elsif (beresp.status == 404 && beresp.ttl > 5s) {
        # A missing page names no story that a publish would purge: a few seconds absorb a
        # flood of requests for a dead link, and a story published at an address readers
        # already tried shows within them.
        set beresp.ttl = 5s;
    }
    return (deliver);
}

sub vcl_synth {
    if (req.method == "PURGE") {
        if (resp.status == 200) {
            set resp.http.xkey-purged = req.http.xkey-purged;
        }
        set resp.http.Content-Type = "text/plain; charset=utf-8";
        set resp.body = resp.reason + {"
"};
        return (deliver);
    }
}

sub vcl_deliver {
    if (obj.uncacheable) {
        set resp.http.X-Cache = "PASS";
    } elsif (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    set resp.http.X-Cache-Hits = obj.hits;
    if (req.http.X-Cache-Debug == "1") {
        set resp.http.X-Cache-TTL = obj.ttl;
        set resp.http.X-Cache-Grace = obj.grace;
    } else {
        unset resp.http.xkey;
        unset resp.http.Surrogate-Key;
        unset resp.http.Cache-Tag;
        unset resp.http.Surrogate-Control;
        unset resp.http.Cloudflare-CDN-Cache-Control;
    }
}
