#include "base/minor.h"

#include <array>
#include <utility>

namespace apx::base {
namespace {

struct Entry {
  Minor code;
  const char* text;
};

constexpr Entry kTexts[] = {
    {Minor::kTokenTruncated,
     "The token is shorter than its own length fields say: it was cut in transit or is not "
     "a Kerberos token"},
    {Minor::kTokenFraming,
     "The token does not start with the GSS-API framing of RFC 2743 section 3.1 (0x60, "
     "length, mechanism OID): the peer sent a token of another protocol"},
    {Minor::kTokenWrongMech,
     "The token names a mechanism other than Kerberos 5: the peer negotiated a different "
     "mechanism (check SPNEGO settings on both sides)"},
    {Minor::kTokenWrongTokId,
     "The token's TOK_ID is not the one expected at this step of the exchange (RFC 4121 "
     "section 4.1): the peer is out of step or the token belongs to another exchange"},
    {Minor::kTokenTrailingBytes,
     "The token has bytes after its end: it was corrupted or two tokens were concatenated"},
    {Minor::kTokenEmpty, "An empty token was passed where the peer's token was expected"},
    {Minor::kTokenUnexpected,
     "A token was passed to a context that expects none at this step: call the function "
     "again only when the previous call returned GSS_S_CONTINUE_NEEDED"},
    {Minor::kNameSyntax,
     "The name cannot be parsed as a Kerberos principal (check escaping of '/', '@' and "
     "'\\\\' and the service@host form)"},
    {Minor::kNameTypeUnsupported,
     "The name type is not one the Kerberos mechanism understands: use "
     "GSS_C_NT_HOSTBASED_SERVICE, GSS_C_NT_USER_NAME, GSS_KRB5_NT_PRINCIPAL_NAME or "
     "GSS_C_NT_EXPORT_NAME"},
    {Minor::kNameExportFormat,
     "The exported name is malformed (RFC 2743 section 3.2: 04 01, OID length, DER OID, "
     "name length, name)"},
    {Minor::kNameExportWrongMech, "The exported name belongs to a mechanism other than Kerberos 5"},
    {Minor::kNameNotMechName,
     "The name is not a single Kerberos principal (GSS_C_NO_NAME or an anonymous name): it "
     "cannot be exported"},
    {Minor::kCredNotInitiator,
     "The credential cannot initiate contexts: it was acquired with GSS_C_ACCEPT; acquire "
     "it with GSS_C_INITIATE or GSS_C_BOTH"},
    {Minor::kCredNotAcceptor,
     "The credential cannot accept contexts: it was acquired with GSS_C_INITIATE; acquire it "
     "with GSS_C_ACCEPT or GSS_C_BOTH"},
    {Minor::kCredUsageInvalid, "The credential usage must be GSS_C_INITIATE, GSS_C_ACCEPT or GSS_C_BOTH"},
    {Minor::kCredStoreKeyUnknown,
     "The credential store has a key apx does not know: use ccache, client_keytab, keytab "
     "or rcache"},
    {Minor::kCredMechUnsupported, "The credential was asked for a mechanism apx does not provide"},
    {Minor::kCtxAlreadyComplete,
     "The context is already established: this call expects a new context"},
    {Minor::kCtxIncomplete,
     "The context is not established yet: finish gss_init_sec_context/gss_accept_sec_context "
     "first"},
    {Minor::kCtxWrongRole,
     "The context was made by the other role: an initiator's context cannot accept, nor an "
     "acceptor's initiate"},
    {Minor::kCtxNoMutualReply,
     "Mutual authentication was requested but the acceptor's reply (AP-REP) is missing: pass "
     "the acceptor's token to gss_init_sec_context"},
    {Minor::kCksumFormat,
     "The authenticator checksum (RFC 4121 section 4.1.1) is malformed: the peer's Kerberos "
     "library is broken or the token was altered"},
    {Minor::kCksumBindingsMismatch,
     "The channel bindings of the initiator and acceptor differ: both ends must bind to the "
     "same channel (for TLS, the same tls-server-end-point or tls-unique value)"},
    {Minor::kCksumDelegation,
     "The delegated credentials in the authenticator are malformed or cannot be read"},
    {Minor::kMechUnsupported,
     "The mechanism OID is not Kerberos 5 (1.2.840.113554.1.2.2, 1.2.840.48018.1.2.2, "
     "1.3.5.1.5.2) nor apx's own"},
    {Minor::kEnctypeUnsupported,
     "The session key uses an encryption type apx does not support for messages (RC4-HMAC "
     "and DES3 use RFC 1964 tokens): enable AES (aes256-cts-hmac-sha1-96 or "
     "aes256-cts-hmac-sha384-192) for the service principal"},
    {Minor::kOptionUnsupported, "The option or extension OID is not supported by apx"},
    {Minor::kContextExpired,
     "The context has expired with its ticket: establish a new context (renew the ticket "
     "with kinit if needed)"},
    {Minor::kInternal, "Internal error in apx: please report it with an APX_TRACE log"},
    {Minor::kMsgBadIntegrity,
     "The message's checksum does not verify: it was altered in transit or protected with a "
     "different key"},
    {Minor::kMsgWrongDirection,
     "The token was sent by this side itself (the SentByAcceptor flag is wrong): a reflected "
     "token"},
    {Minor::kMsgBadFlags, "The per-message token's flags or filler byte are invalid (RFC 4121 section 4.2.2)"},
    {Minor::kMsgBadFiller, "The per-message token's header is malformed (TOK_ID, filler, EC or RRC out of range)"},
    {Minor::kMsgLegacyToken,
     "The peer sent an RFC 1964 token (DES3 or RC4-HMAC), which apx does not support: use AES "
     "enctypes"},
    {Minor::kMsgIovInvalid,
     "The IOV buffers are not valid for this call (missing HEADER, too small, or duplicated "
     "buffer types)"},
    {Minor::kMsgQopUnsupported, "Only the default QOP (0) is supported"},
    {Minor::kMsgTooLarge, "The message is too large for a single token"},
    {Minor::kCksumExtension,
     "An extension after the authenticator checksum's fixed fields runs past its end: the "
     "peer's Kerberos library is broken or the token was altered"},
    {Minor::kCksumUnverified,
     "The authenticator's checksum does not verify over empty data: the authenticator was "
     "taken from another message or altered; the initiator must start a new context"},
    {Minor::kCksumCbtRequired,
     "The initiator requires channel bindings (KERB_AP_OPTIONS_CBT) but sent none matching "
     "this acceptor's: the authenticator was made for another channel (a relay), or the "
     "initiator must pass the same channel bindings as the acceptor"},
    {Minor::kTokenDceFramed,
     "The initiator asked for DCE-style establishment (GSS_C_DCE_STYLE) in a framed token: "
     "DCE-style AP-REQs are sent raw; the token was altered or the peer is broken"},
    {Minor::kCtxExportFormat,
     "The exported context token is malformed or was made by another apx version (its keys "
     "do not fit their encryption types): export and import with the same apx release"},
    {Minor::kCredExportFormat,
     "The exported credential token is malformed: it is not the krb5 mechanism's \"K5C1\" "
     "JSON format (MIT krb5's gss_export_cred), or it was altered or truncated"},
    {Minor::kCredExportUnsupported,
     "The exported credential is of a kind apx cannot hold (an IAKERB or a password "
     "credential): import it into MIT's own mechanism"},
    {Minor::kCredCannotImpersonate,
     "The credential cannot impersonate: S4U2Self and S4U2Proxy need the service's own "
     "initiator tickets (kinit -k the service, acquire with GSS_C_BOTH or GSS_C_INITIATE), "
     "and an impersonated credential cannot impersonate again"},
};

constexpr auto kTable = [] {
  std::array<const char*, static_cast<size_t>(Minor::kCount)> t{};
  for (const Entry& e : kTexts) t[static_cast<size_t>(e.code)] = e.text;
  return t;
}();

static_assert([] {
  for (size_t i = 1; i < kTable.size(); ++i)
    if (kTable[i] == nullptr) return false;
  return true;
}(), "every apx minor code needs a text");

}  // namespace

const char* minor_text(OM_uint32 minor) {
  if (!is_apx_minor(minor)) return nullptr;
  return kTable[minor - kMinorBase];
}

}  // namespace apx::base
