/* Every directive name, declared once: a misspelling is a compile error. */
#ifndef SEQUR_DIRECTIVES_H
#define SEQUR_DIRECTIVES_H

#define SEQUR_AUTH_TYPE                 "sequr-saml"

#define D_SP_ENTITY_ID                  "SequrSAMLSPEntityID"
#define D_ENDPOINT_PATH                 "SequrSAMLEndpointPath"
#define D_IDP_SSO_URL                   "SequrSAMLIdPSSOURL"
#define D_IDP_CERTIFICATE_FILE          "SequrSAMLIdPCertificateFile"
#define D_IDP_ENTITY_ID                 "SequrSAMLIdPEntityID"
#define D_IDP_METADATA_FILE             "SequrSAMLIdPMetadataFile"
#define D_USER_ATTRIBUTE                "SequrSAMLUserAttribute"
#define D_SP_CERTIFICATE_FILE           "SequrSAMLSPCertificateFile"
#define D_SP_PRIVATE_KEY_FILE           "SequrSAMLSPPrivateKeyFile"
#define D_CACHE                         "SequrSAMLCache"
#define D_CACHE_ENTRIES                 "SequrSAMLCacheEntries"
#define D_CLOCK_SKEW                    "SequrSAMLClockSkew"
#define D_ALLOW_UNSOLICITED             "SequrSAMLAllowUnsolicited"
#define D_LANDING_PATH                  "SequrSAMLLandingPath"
#define D_SESSION_MAX_AGE               "SequrSAMLSessionMaxAge"
#define D_SESSION_IDLE_TIMEOUT          "SequrSAMLSessionIdleTimeout"
#define D_COOKIE_NAME                   "SequrSAMLCookieName"
#define D_ALLOW_SHA1                    "SequrSAMLAllowSHA1"
#define D_NAMEID_FORMAT                 "SequrSAMLNameIDFormat"
#define D_MAX_RESPONSE_SIZE             "SequrSAMLMaxResponseSize"
#define D_REQUEST_LIFETIME              "SequrSAMLRequestLifetime"
#define D_ALLOW_EXPIRED_IDP_CERT        "SequrSAMLAllowExpiredIdPCertificate"
#define D_UNAUTHENTICATED               "SequrSAMLUnauthenticatedAction"
#define D_USER_STORE                    "SequrSAMLUserStore"
#define D_USER_RECHECK_INTERVAL         "SequrSAMLUserRecheckInterval"
#define D_USER_STORE_CONTACT            "SequrSAMLUserStoreContact"
#define D_ENV_PREFIX                    "SequrSAMLEnvPrefix"
#define D_ENV_SEPARATOR                 "SequrSAMLEnvSeparator"
#define D_PUBLIC_BASE_URL               "SequrSAMLPublicBaseURL"
#define D_REQUEST_HEADERS               "SequrSAMLRequestHeaders"
#define D_REQUEST_HEADER_PREFIX         "SequrSAMLRequestHeaderPrefix"

#endif
