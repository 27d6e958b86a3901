#include "core/mech_info.h"
#include "core/oids.h"

namespace apx::core {

namespace {
// RFC 5587 §3: 1.3.6.1.5.5.13.N
#define APX_MA(n) gss_OID_desc{7, const_cast<char*>("\x2b\x06\x01\x05\x05\x0d" n)}
const gss_OID_desc kMaMechConcrete = APX_MA("\x01");
const gss_OID_desc kMaDeprecated = APX_MA("\x07");
const gss_OID_desc kMaNotDfltMech = APX_MA("\x08");
const gss_OID_desc kMaItokFramed = APX_MA("\x09");
const gss_OID_desc kMaAuthInit = APX_MA("\x0a");
const gss_OID_desc kMaAuthTarg = APX_MA("\x0b");
const gss_OID_desc kMaAuthInitInit = APX_MA("\x0c");
const gss_OID_desc kMaDelegCred = APX_MA("\x10");
const gss_OID_desc kMaIntegProt = APX_MA("\x11");
const gss_OID_desc kMaConfProt = APX_MA("\x12");
const gss_OID_desc kMaMic = APX_MA("\x13");
const gss_OID_desc kMaWrap = APX_MA("\x14");
const gss_OID_desc kMaProtReady = APX_MA("\x15");
const gss_OID_desc kMaReplayDet = APX_MA("\x16");
const gss_OID_desc kMaOosDet = APX_MA("\x17");
const gss_OID_desc kMaCbindings = APX_MA("\x18");
const gss_OID_desc kMaCtxTrans = APX_MA("\x1b");
#undef APX_MA
}  // namespace

std::vector<const gss_OID_desc*> mech_attrs(const gss_OID_desc& mech) {
  std::vector<const gss_OID_desc*> out = {
      &kMaMechConcrete, &kMaItokFramed, &kMaAuthInit,  &kMaAuthTarg,   &kMaDelegCred,
      &kMaIntegProt,    &kMaConfProt,   &kMaMic,       &kMaWrap,       &kMaProtReady,
      &kMaReplayDet,    &kMaOosDet,     &kMaCbindings, &kMaCtxTrans};
  // IAKERB gets the initiator's tickets itself, and (as in MIT) is never a default: SPNEGO
  // leaves it out unless asked for by name.
  if (&mech == &kMechIakerb) {
    out.push_back(&kMaAuthInitInit);
    out.push_back(&kMaNotDfltMech);
  }
  if (&mech == &kMechKrb5Ms || &mech == &kMechKrb5Old) {
    out.push_back(&kMaDeprecated);
    out.push_back(&kMaNotDfltMech);
  }
  return out;
}

std::vector<const gss_OID_desc*> name_types() {
  return {&kNtUser,       &kNtMachineUid, &kNtStringUid,     &kNtHostbased,      &kNtHostbasedX,
          &kNtAnonymous,  &kNtExport,     &kNtCompositeExport, &kNtKrb5Principal, &kNtKrb5PrincipalObject,
          &kNtKrb5Enterprise};
}

}  // namespace apx::core
