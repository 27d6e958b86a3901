// Credential tokens made by MIT krb5 1.20.1's own mechanism (krb5_gss_export_cred) in a
// throwaway APX.TEST realm, taken from gss_export_cred's output after the mechglue's OID
// header (tests/kdc/cred_tool.c with an empty mech.conf). The keys are that realm's.
#pragma once

namespace apx::test {

// Tickets delegated to host/localhost: a MEMORY ccache's contents, the TGT with its key.
inline constexpr char kMitDelegatedCred[] =
    R"(["K5C1",[1,["user@APX.TEST",null,null],null,false,false,null,null,["user@APX.TEST",[)"
    R"("user@APX.TEST","krbtgt/APX.TEST@APX.TEST",[18,"hVZckT9EbhBY1yFlwjLaNomn9nWdlcjJ1A/F)"
    R"(qbEhhY8="],1796212401,1796212404,1796298801,0,false,1611202560,null,"YYIBnjCCAZqgAwI)"
    R"(BBaEKGwhBUFguVEVTVKIdMBugAwIBAqEUMBIbBmtyYnRndBsIQVBYLlRFU1SjggFmMIIBYqADAgESoQMCAQG)"
    R"(iggFUBIIBUNIkpTDso2qhvh7qJdZyC3MVfOunEZ3Jk+Fw+hBtdGClArstAJ3ALmjMraqSpLv21tmaOSzZixK)"
    R"(uVKs7al1+cMsFn+aQ4yPtavmn/dwu47cphXY4h52vZRIfmw70+tIcVddFdgaWcu6J+77+Gbd59Q7o6YXBCEm)"
    R"(HlyQ+QmJyuZi2brv71XW4K5gjvAdn+SDfr/R5krz+8g2YNDIr4MRVdzibdbTDn00UPJUyTvXzO3j6+qIhYAq)"
    R"(YxWVeZjv7wOZLNIfVDQXGf/+z3WhKEsIwUfy8I6K+H53ZBtS9+SgYZzL4s8JEz+12Rv2OLPjDPY5W3Hsyn6W)"
    R"(NLhVhny8g+45ZqtfcOF0RZ+N10XVq6x+KLAYIy3ayMdzCg67zfKRQyL51c7u3Bp/RA1vuf/7U9X/RX4ZQ43t)"
    R"(Wi+be4khJvGGTENdlFWg6pNlxk0nhCw+m4Gdvow==","",null]],null,false,1796298801,0,null,nu)"
    R"(ll]])";

// gss_acquire_cred(GSS_C_ACCEPT) for the host-based name "host" (any host).
inline constexpr char kMitAcceptorCred[] =
    R"(["K5C1",[2,["host/vm@","host",null],null,false,false,"FILE:/tmp/credx-realm/service.)"
    R"(keytab","dfl:",null,null,false,0,0,null,null]])";

}  // namespace apx::test
