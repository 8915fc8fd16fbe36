// apiforge's docs page: Swagger UI, with the selector and the document
// fetches following the caller's credential. Served from the binary as
// /docs/swagger-initializer.js in place of Swagger UI's own (which only holds
// a fixed configuration); the page's CSP allows no inline script, so this is
// a file.
//
// The credential is what the "Authorize" dialog keeps in localStorage
// ("authorized", Swagger UI's persistAuthorization). Both kinds of document
// name their schemes alike ("session", "api_key_header"), so a key or a
// session authorized on one document is used by the others.
(function () {
  "use strict";

  var STORE = "authorized";
  var SYSTEM = { name: "admin API (system)", url: "/api/v2/system/_doc" };

  function stored() {
    try {
      return JSON.parse(window.localStorage.getItem(STORE) || "{}") || {};
    } catch (e) {
      return {};
    }
  }

  // The headers that carry the stored credential: a session first (it sees
  // every service), then a key.
  function credential() {
    var a = stored();
    if (a.session && a.session.value) {
      return { Authorization: "Bearer " + a.session.value };
    }
    var keys = ["api_key_header", "api_key_query"];
    for (var i = 0; i < keys.length; i++) {
      var k = a[keys[i]];
      if (k && k.value) {
        return { "X-Api-Key": k.value };
      }
    }
    return null;
  }

  // The selector: the admin API, then the services the credential reaches
  // (GET /api/v2 answers exactly those). Without a credential: the admin API
  // alone, whose document needs none and holds the login.
  function documents() {
    var cred = credential();
    if (!cred) {
      return Promise.resolve([SYSTEM]);
    }
    return fetch("/api/v2", { headers: cred })
      .then(function (r) {
        return r.ok ? r.json() : { resource: [] };
      })
      .then(function (body) {
        var docs = [SYSTEM];
        (body.resource || []).forEach(function (s) {
          docs.push({
            name: s.name,
            url: "/api/v2/" + encodeURIComponent(s.name) + "/_doc",
          });
        });
        return docs;
      })
      .catch(function () {
        return [SYSTEM];
      });
  }

  function names(docs) {
    return docs
      .map(function (d) {
        return d.name;
      })
      .join("\n");
  }

  // After the credential changes, the selector may need other services: the
  // page reloads (keeping the chosen document, `urls.primaryName` in the
  // address) when the list differs.
  function refreshSelector() {
    documents().then(function (docs) {
      if (names(docs) !== names(window.apiforgeDocuments || [])) {
        window.location.reload();
      }
    });
  }

  // Authorize and Logout change the credential: wrap both.
  function credentialWatch() {
    function thenRefresh(ori) {
      return function () {
        var out = ori.apply(null, arguments);
        // persistAuthorization writes localStorage after the action.
        window.setTimeout(refreshSelector, 50);
        return out;
      };
    }
    return {
      statePlugins: {
        auth: {
          wrapActions: {
            authorizeWithPersistOption: thenRefresh,
            logoutWithPersistOption: thenRefresh,
          },
        },
      },
    };
  }

  // "Try it out" on POST /api/v2/system/admin/session signs the page in: the
  // answered token becomes the stored session credential.
  function signIn(token) {
    var a = stored();
    a.session = {
      name: "session",
      schema: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
      value: token,
    };
    window.localStorage.setItem(STORE, JSON.stringify(a));
    if (window.ui) {
      window.ui.preauthorizeApiKey("session", token);
    }
    refreshSelector();
  }

  window.onload = function () {
    documents().then(function (docs) {
      window.apiforgeDocuments = docs;
      var chosen = new URLSearchParams(window.location.search).get(
        "urls.primaryName"
      );
      var known = docs.some(function (d) {
        return d.name === chosen;
      });
      window.ui = SwaggerUIBundle({
        urls: docs,
        // A caller with a service sees its first service's document first.
        "urls.primaryName": known ? chosen : docs[docs.length > 1 ? 1 : 0].name,
        dom_id: "#swagger-ui",
        presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
        plugins: [SwaggerUIBundle.plugins.DownloadUrl, credentialWatch],
        layout: "StandaloneLayout",
        // Swagger UI's default sends the document to validator.swagger.io
        // for a badge: an outbound request, and the document to a stranger.
        validatorUrl: "none",
        tryItOutEnabled: true,
        persistAuthorization: true,
        displayRequestDuration: true,
        filter: true,
        // A service's document is shaped by the credential that fetches it:
        // send the stored one with the document's own fetch too (Swagger UI
        // sends authorizations only with operations).
        requestInterceptor: function (req) {
          if (req.loadSpec) {
            var cred = credential();
            if (cred) {
              Object.keys(cred).forEach(function (h) {
                req.headers[h] = cred[h];
              });
            }
          }
          return req;
        },
        responseInterceptor: function (res) {
          if (
            res.ok &&
            /\/api\/v2\/system\/admin\/session$/.test(res.url) &&
            res.body &&
            res.body.session_token
          ) {
            signIn(res.body.session_token);
          }
          return res;
        },
      });
    });
  };
})();
