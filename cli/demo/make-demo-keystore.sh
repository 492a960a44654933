#!/usr/bin/env bash
# Makes the keystore `sfjwt demo` uses, the way Salesforce users get theirs: a JKS
# with one RSA 2048 key entry, made by the real keytool, plus its certificate (what
# the user uploads to the connected app). Committed; rerun only to replace it.
set -euo pipefail
cd "$(dirname "$0")"
rm -f sfjwt-demo.jks sfjwt-demo.crt
keytool -J-Duser.language=en -genkeypair -storetype JKS -keystore sfjwt-demo.jks \
  -storepass sfjwt-demo -keypass sfjwt-demo -alias sfjwt_demo \
  -keyalg RSA -keysize 2048 -sigalg SHA256withRSA -validity 7300 \
  -dname "CN=sfjwt_demo, OU=sfjwt demo, O=sfjwt, C=US" 2>/dev/null
keytool -J-Duser.language=en -exportcert -rfc -keystore sfjwt-demo.jks \
  -storepass sfjwt-demo -alias sfjwt_demo -file sfjwt-demo.crt 2>/dev/null
echo "made $(pwd)/sfjwt-demo.jks and sfjwt-demo.crt"
