"""Guests and user names (issue #12 part 4): SequrSAMLUserAttribute with
fallbacks, per tenant, and the refusals of unclear user names, on responses
shaped like Entra's for a B2B guest and signed by the local IdP's key.

For a guest of fabrikam from contoso, Entra's NameID (UPN by default) is the
home-tenant UPN `alice@contoso.com`, the name claim (user.userprincipalname)
the in-tenant UPN `alice_contoso.com#EXT#@fabrikam.onmicrosoft.com`, and the
emailaddress claim (user.mail) the home address, left out for a user without
mail (Entra emits no attribute for an empty source).
"""
import re

import harness
from harness import SamlTestCase, az, curl

GUEST_NAMEID = "alice@contoso.com"
GUEST_UPN = "alice_contoso.com#EXT#@fabrikam.onmicrosoft.com"
HOME_TENANT = "3c1e2d4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
EMPLOYEE_ID = "http://schemas.example.test/claims/employeeid"


def guest_attributes(tenant, mail=GUEST_NAMEID, upn=GUEST_UPN):
    """The default claims for a guest: name the #EXT# UPN, emailaddress the home
    mail (mail None: left out), identityprovider the home tenant."""
    attrs = []
    for name, values in az.default_attributes(tenant, GUEST_NAMEID):
        if name == az.CLAIM_NAME:
            values = [upn]
        elif name == az.CLAIM_EMAIL:
            if mail is None:
                continue
            values = mail if isinstance(mail, list) else [mail]
        elif name == az.CLAIM_IDP:
            values = [az.entra_issuer(HOME_TENANT)]
        attrs.append((name, values))
    return attrs


class GuestUserNames(SamlTestCase):
    """SequrSAMLUserAttribute emailaddress name: the mail where Entra sends one,
    else the UPN; a location may choose its own list; a tenant its own."""
    directives = {"UserAttribute": "%s %s" % (az.CLAIM_EMAIL, az.CLAIM_NAME)}

    @classmethod
    def setUpClass(cls):
        cls.tenant_dir = harness.tempdir("sequr-guest-tenant-")
        cls.t_key, cls.t_cert = az.make_keypair(cls.tenant_dir, "fabrikam")
        cls.t_tenant = "0f9e8d7c-6b5a-4948-8372-615049382716"
        cls.t_issuer = az.entra_issuer(cls.t_tenant)
        cls.extra = (
            "<SequrSAMLTenant fabrikam>\n"
            "    SequrSAMLIdPSSOURL https://login.microsoftonline.com/%s/saml2\n"
            "    SequrSAMLIdPEntityID %s\n"
            '    SequrSAMLIdPCertificateFile "%s"\n'
            "    SequrSAMLUserAttribute %s\n"
            "</SequrSAMLTenant>\n"
            "<Location /protected/fab>\n"
            "    SequrSAMLTenantName fabrikam\n"
            "</Location>\n"
            "<Location /protected/byid>\n"
            "    SequrSAMLUserAttribute %s %s\n"
            "</Location>\n" % (cls.t_tenant, cls.t_issuer, cls.t_cert, az.CLAIM_OBJECTID,
                               EMPLOYEE_ID, az.CLAIM_NAME))
        super().setUpClass()

    def guest_sign_in(self, path, **kw):
        kw.setdefault("attributes", guest_attributes(self.idp.tenant))
        return self.sign_in(path, user=GUEST_NAMEID, name_id=GUEST_NAMEID, **kw)

    def user_at(self, path, jar):
        reply = self.get(path, jar=jar)
        self.assertEqual(reply.status, 200, reply)
        return self.whoami(reply)["REMOTE_USER"]

    def test_member_is_named_by_mail(self):
        r, jar = self.sign_in("/protected/m")
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.user_at("/protected/m", jar), harness.USER)

    def test_guest_with_mail_is_named_by_the_home_address(self):
        r, jar = self.guest_sign_in("/protected/g")
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.user_at("/protected/g", jar), GUEST_NAMEID)

    def test_guest_without_mail_falls_back_to_the_ext_upn(self):
        r, jar = self.guest_sign_in("/protected/g", attributes=guest_attributes(
            self.idp.tenant, mail=None))
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.user_at("/protected/g", jar), GUEST_UPN)

    def test_same_mail_twice_is_one_value(self):
        r, jar = self.guest_sign_in("/protected/g", attributes=guest_attributes(
            self.idp.tenant, mail=[GUEST_NAMEID, GUEST_NAMEID]))
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.user_at("/protected/g", jar), GUEST_NAMEID)

    def refused(self, attributes, detail):
        mark = self.apache.log_mark()
        r, _ = self.guest_sign_in("/protected/g", attributes=attributes)
        self.assert_refused(r, 403, "user-attribute", mark)
        log = self.apache.log_since(mark, expect="user-attribute")
        self.assertIn(detail, log)
        self.assertEqual(len(re.findall(r"sequr_saml:.*user-attribute", log)), 1, log)
        return r

    def test_empty_mail_is_refused_not_passed_over(self):
        self.refused(guest_attributes(self.idp.tenant, mail=""),
                     'attribute "%s" is empty' % az.CLAIM_EMAIL)

    def test_two_different_mails_are_refused(self):
        self.refused(guest_attributes(self.idp.tenant, mail=[GUEST_NAMEID, "bob@contoso.com"]),
                     "several different values")

    def test_control_character_in_the_fallback_is_refused(self):
        self.refused(guest_attributes(self.idp.tenant, mail=None, upn="alice\tx#EXT#@f.test"),
                     "control characters")

    def test_none_of_the_names_is_refused(self):
        attrs = [(n, v) for n, v in guest_attributes(self.idp.tenant, mail=None)
                 if n != az.CLAIM_NAME]
        self.refused(attrs, "none of the attributes %s, %s" % (az.CLAIM_EMAIL, az.CLAIM_NAME))

    def test_location_list_names_the_user_there(self):
        r, jar = self.guest_sign_in("/protected/byid/x")
        self.assertEqual(r.status, 303, r)
        # No employee id claim: the location's fallback, the #EXT# UPN.
        self.assertEqual(self.user_at("/protected/byid/x", jar), GUEST_UPN)
        self.assertEqual(self.user_at("/protected/g", jar), GUEST_NAMEID)

    def test_tenant_list_names_its_users(self):
        """fabrikam's own SequrSAMLUserAttribute (objectidentifier): an
        IdP-initiated response from it, routed by Issuer, names the user by
        object id; the default IdP's users keep the server's list."""
        jar = self.jar()
        resp = az.make_response(GUEST_NAMEID, self.apache.acs_url, harness.SP_ENTITY_ID, None,
                                key=self.t_key, cert=self.t_cert, tenant=self.t_tenant,
                                attributes=guest_attributes(self.t_tenant))
        r = curl(self.apache.acs_url, data={"SAMLResponse": resp}, jar=jar)
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.user_at("/protected/fab/t", jar),
                         az.object_id(self.t_tenant, GUEST_NAMEID))
