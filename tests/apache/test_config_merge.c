/* How configuration is inherited: main server -> virtual host (the server
 * merge), server defaults -> <Location> -> nested <Location> (the directory
 * merge), and the effective values a request reads. Only through
 * sequr_create_*_conf / sequr_merge_*_conf and the accessors of
 * apache/config.h, so that these tests hold whatever fills the fields (the
 * directive table); each test is one rule. */
#include <check.h>
#include <string.h>

#include "apr_strings.h"

#include "apache/config.h"
#include "tests/apache/request_fake.h"
#include "tests/unit/testkit.h"

static sequr_server_conf_t *new_server(void)
{
    return sequr_create_server_conf(tk_pool(), NULL);
}

/* Through the module record, as httpd merges: the settings, then the IdPs. */
static sequr_server_conf_t *merged_server(sequr_server_conf_t *main, sequr_server_conf_t *vhost)
{
    return sequr_saml_module.merge_server_config(tk_pool(), main, vhost);
}

static sequr_dir_conf_t *new_dir(void)
{
    return sequr_create_dir_conf(tk_pool(), NULL);
}

static sequr_dir_conf_t *merged_dir(sequr_dir_conf_t *outer, sequr_dir_conf_t *inner)
{
    return sequr_merge_dir_conf(tk_pool(), outer, inner);
}

/* ---- server -> virtual host ---------------------------------------------------- */

START_TEST(created_server_has_nothing_set)
{
    sequr_server_conf_t *c = new_server();

    ck_assert_ptr_null(c->sp_entity_id);
    ck_assert_int_eq(c->clock_skew, SEQUR_UNSET);
    ck_assert_int_eq(c->session_max_age, SEQUR_UNSET);
    ck_assert_int_eq(c->session_idle_timeout, SEQUR_UNSET);
    ck_assert_int_eq(c->allow_unsolicited, SEQUR_UNSET);
    ck_assert_int_eq(c->user_store, SEQUR_UNSET);
    ck_assert_int_eq(c->logout_signatures, SEQUR_UNSET);
    ck_assert_int_eq(c->max_response_size, SEQUR_UNSET);
    ck_assert_ptr_nonnull(c->idp);
    ck_assert_str_eq(c->idp->name, "");
    /* Effective values come from the defaults. */
    ck_assert_str_eq(sequr_endpoint_path(c), "/saml");
    ck_assert_str_eq(sequr_cookie_name(c), "sequr_saml_session");
}
END_TEST

START_TEST(vhost_inherits_what_it_does_not_set)
{
    sequr_server_conf_t *main = new_server(), *vhost = new_server(), *m;

    main->sp_entity_id = "https://main.example/saml";
    main->endpoint_path = "/sso";
    main->cookie_name = "main_cookie";
    main->clock_skew = 60;
    main->session_max_age = 7200;
    main->allow_sha1 = 1;
    main->public_base_url = "https://sso.example";
    m = merged_server(main, vhost);
    ck_assert_str_eq(m->sp_entity_id, "https://main.example/saml");
    ck_assert_str_eq(sequr_endpoint_path(m), "/sso");
    ck_assert_str_eq(sequr_cookie_name(m), "main_cookie");
    ck_assert_int_eq(m->clock_skew, 60);
    ck_assert_int_eq(m->session_max_age, 7200);
    ck_assert_int_eq(m->allow_sha1, 1);
    ck_assert_str_eq(m->public_base_url, "https://sso.example");
    ck_assert_int_eq(m->session_idle_timeout, SEQUR_UNSET);   /* left to the defaults */
}
END_TEST

START_TEST(vhost_setting_wins_even_when_zero)
{
    sequr_server_conf_t *main = new_server(), *vhost = new_server(), *m;

    main->sp_entity_id = "https://main.example/saml";
    main->session_idle_timeout = 3600;
    main->allow_unsolicited = 1;
    main->user_recheck_interval = 60;
    vhost->sp_entity_id = "https://vhost.example/saml";
    vhost->session_idle_timeout = 0;       /* "no idle timeout" is a setting */
    vhost->allow_unsolicited = 0;
    vhost->user_recheck_interval = 0;
    m = merged_server(main, vhost);
    ck_assert_str_eq(m->sp_entity_id, "https://vhost.example/saml");
    ck_assert_int_eq(m->session_idle_timeout, 0);
    ck_assert_int_eq(m->allow_unsolicited, 0);
    ck_assert_int_eq(m->user_recheck_interval, 0);
}
END_TEST

/* One store and one cookie key per server process: the main server's. */
START_TEST(store_and_cookie_key_are_the_main_servers)
{
    sequr_server_conf_t *main = new_server(), *vhost = new_server(), *m;

    main->cache_spec = "file:/var/cache/main";
    main->cache_entries = 4096;
    main->cookie_key_file = "/etc/main.key";
    vhost->cache_spec = "redis:127.0.0.1:6379";
    vhost->cache_entries = 8192;
    vhost->cookie_key_file = "/etc/vhost.key";
    m = merged_server(main, vhost);
    ck_assert_str_eq(m->cache_spec, "file:/var/cache/main");
    ck_assert_int_eq(m->cache_entries, 4096);
    ck_assert_str_eq(m->cookie_key_file, "/etc/main.key");
}
END_TEST

/* A vhost inherits the main server's <Location>s, so their user attributes
 * are checked at its sign-ins too. */
START_TEST(identity_attributes_add_up)
{
    sequr_server_conf_t *main = new_server(), *vhost = new_server(), *m;

    main->identity_attributes = apr_array_make(tk_pool(), 1, sizeof(const char *));
    APR_ARRAY_PUSH(main->identity_attributes, const char *) = "upn";
    m = merged_server(main, vhost);
    ck_assert_int_eq(m->identity_attributes->nelts, 1);
    vhost->identity_attributes = apr_array_make(tk_pool(), 1, sizeof(const char *));
    APR_ARRAY_PUSH(vhost->identity_attributes, const char *) = "employeeid";
    m = merged_server(main, vhost);
    ck_assert_int_eq(m->identity_attributes->nelts, 2);
    ck_assert_str_eq(APR_ARRAY_IDX(m->identity_attributes, 0, const char *), "upn");
    ck_assert_str_eq(APR_ARRAY_IDX(m->identity_attributes, 1, const char *), "employeeid");
    ck_assert_ptr_null(merged_server(new_server(), new_server())->identity_attributes);
}
END_TEST

/* The IdP is inherited as a unit: a vhost naming any part of its own IdP
 * gets none of the main server's; a logout URL alone does not count. */
START_TEST(idp_is_inherited_whole_or_not_at_all)
{
    sequr_server_conf_t *main = new_server(), *vhost = new_server(), *m;

    main->idp->sso_url = "https://idp.main/sso";
    main->idp->entity_id = "https://idp.main/";
    main->idp->slo_url = "https://idp.main/slo";
    m = merged_server(main, vhost);
    ck_assert_str_eq(m->idp->sso_url, "https://idp.main/sso");
    ck_assert_str_eq(m->idp->entity_id, "https://idp.main/");
    ck_assert_ptr_ne(m->idp, main->idp);          /* its own copy */

    vhost->idp->slo_url = "";                     /* SequrSAMLIdPSLOURL none */
    m = merged_server(main, vhost);
    ck_assert_str_eq(m->idp->sso_url, "https://idp.main/sso");
    ck_assert_str_eq(m->idp->slo_url, "");

    vhost = new_server();
    vhost->idp->sso_url = "https://idp.vhost/sso";
    m = merged_server(main, vhost);
    ck_assert_str_eq(m->idp->sso_url, "https://idp.vhost/sso");
    ck_assert_ptr_null(m->idp->entity_id);
    ck_assert_ptr_null(m->idp->slo_url);
}
END_TEST

static sequr_idp_t *tenant(const char *name, const char *sso)
{
    sequr_idp_t *t = apr_pcalloc(tk_pool(), sizeof(*t));
    t->name = name;
    t->sso_url = sso;
    return t;
}

START_TEST(tenants_of_the_vhost_win_by_name)
{
    sequr_server_conf_t *main = new_server(), *vhost = new_server(), *m;

    main->tenants = apr_array_make(tk_pool(), 2, sizeof(sequr_idp_t *));
    APR_ARRAY_PUSH(main->tenants, sequr_idp_t *) = tenant("contoso", "https://main/contoso");
    APR_ARRAY_PUSH(main->tenants, sequr_idp_t *) = tenant("fabrikam", "https://main/fabrikam");
    vhost->tenants = apr_array_make(tk_pool(), 1, sizeof(sequr_idp_t *));
    APR_ARRAY_PUSH(vhost->tenants, sequr_idp_t *) = tenant("fabrikam", "https://vhost/fabrikam");
    m = merged_server(main, vhost);
    ck_assert_int_eq(m->tenants->nelts, 2);
    ck_assert_str_eq(sequr_tenant(m, "contoso")->sso_url, "https://main/contoso");
    ck_assert_str_eq(sequr_tenant(m, "fabrikam")->sso_url, "https://vhost/fabrikam");
    ck_assert_ptr_null(sequr_tenant(m, "northwind"));
    ck_assert_ptr_eq(sequr_tenant(m, ""), m->idp);
    ck_assert_ptr_eq(sequr_tenant(m, NULL), m->idp);
}
END_TEST

/* ---- server defaults -> <Location> -> nested <Location> ---------------------------- */

START_TEST(created_directory_has_nothing_set)
{
    sequr_dir_conf_t *d = new_dir();

    ck_assert_int_eq(d->unauth_action, SEQUR_UNSET);
    ck_assert_int_eq(d->request_headers, SEQUR_UNSET);
    ck_assert_ptr_null(d->env_prefix);
    ck_assert_ptr_null(d->env_separator);
    ck_assert_ptr_null(d->request_header_prefix);
    ck_assert_ptr_null(d->tenant);
    ck_assert_ptr_null(d->user_attribute);
    ck_assert_ptr_null(d->cache_control);
}
END_TEST

START_TEST(inner_location_inherits_and_overrides)
{
    sequr_dir_conf_t *server = new_dir(), *app = new_dir(), *api = new_dir(), *m;

    server->env_prefix = "SITE_";
    server->request_headers = 1;
    app->unauth_action = SEQUR_UNAUTH_REDIRECT;
    app->env_separator = ",";
    app->tenant = "contoso";
    app->cache_control = "";
    api->unauth_action = SEQUR_UNAUTH_401;
    api->request_headers = 0;                  /* Off below On */
    api->request_header_prefix = "X-Api-";
    m = merged_dir(merged_dir(server, app), api);
    ck_assert_int_eq(m->unauth_action, SEQUR_UNAUTH_401);
    ck_assert_str_eq(m->env_prefix, "SITE_");
    ck_assert_str_eq(m->env_separator, ",");
    ck_assert_int_eq(m->request_headers, 0);
    ck_assert_str_eq(m->request_header_prefix, "X-Api-");
    ck_assert_str_eq(m->tenant, "contoso");
    ck_assert_str_eq(m->cache_control, "");    /* "none" is a setting, inherited */

    m = merged_dir(merged_dir(server, app), new_dir());
    ck_assert_int_eq(m->unauth_action, SEQUR_UNAUTH_REDIRECT);
    ck_assert_int_eq(m->request_headers, 1);
    ck_assert_ptr_null(m->request_header_prefix);
}
END_TEST

/* What a request reads: the location's value, else the default (and for
 * the user attribute, the server's SequrSAMLUserAttribute). */
START_TEST(request_reads_effective_values)
{
    server_rec *s = fake_server(tk_pool(), "sp.example.test", 0);
    sequr_dir_conf_t *d = new_dir();
    request_rec *r = fake_request(tk_pool(), s, "GET", "/", fake_dir_config(tk_pool(), d, NULL));

    ck_assert_str_eq(sequr_env_prefix(r), "SEQUR_SAML_");
    ck_assert_str_eq(sequr_env_separator(r), ";");
    ck_assert_str_eq(sequr_request_header_prefix(r), "Sequr-SAML-");
    ck_assert(!sequr_request_headers_on(r));
    ck_assert_ptr_null(sequr_user_attribute(r));
    fake_server_conf(s)->user_attribute = "upn";
    ck_assert_str_eq(sequr_user_attribute(r), "upn");
    ck_assert_ptr_eq(sequr_location_idp(r, fake_server_conf(s)), fake_server_conf(s)->idp);

    d->env_prefix = "APP_";
    d->env_separator = "|";
    d->request_header_prefix = "X-App-";
    d->request_headers = 1;
    d->user_attribute = "employeeid";
    ck_assert_str_eq(sequr_env_prefix(r), "APP_");
    ck_assert_str_eq(sequr_env_separator(r), "|");
    ck_assert_str_eq(sequr_request_header_prefix(r), "X-App-");
    ck_assert(sequr_request_headers_on(r));
    ck_assert_str_eq(sequr_user_attribute(r), "employeeid");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("apache_config_merge");
    TCase *tc = tcase_create("config_merge");

    tcase_add_checked_fixture(tc, tk_setup, tk_teardown);
    tcase_add_test(tc, created_server_has_nothing_set);
    tcase_add_test(tc, vhost_inherits_what_it_does_not_set);
    tcase_add_test(tc, vhost_setting_wins_even_when_zero);
    tcase_add_test(tc, store_and_cookie_key_are_the_main_servers);
    tcase_add_test(tc, identity_attributes_add_up);
    tcase_add_test(tc, idp_is_inherited_whole_or_not_at_all);
    tcase_add_test(tc, tenants_of_the_vhost_win_by_name);
    tcase_add_test(tc, created_directory_has_nothing_set);
    tcase_add_test(tc, inner_location_inherits_and_overrides);
    tcase_add_test(tc, request_reads_effective_values);
    suite_add_tcase(s, tc);
    return tk_run_suite(s);
}
