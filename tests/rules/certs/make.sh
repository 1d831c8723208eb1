#!/bin/sh
# Makes the certificates of the TLS rule cases (tests/rules/cases.py) with
# openssl: a CA, leaves it signed (good, other, weak key, SHA-1, EC) and a
# self-signed one. Kept in the tree so that pinned-certs.txt can name
# good.pem's fingerprint; rerun it (then update ../pinned-certs.txt with
# `openssl x509 -in good.pem -noout -fingerprint -sha256`) to renew them.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
san="subjectAltName=DNS:gw.example.gov.vn,DNS:*.example.gov.vn"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/ca.key" -out ca.pem \
    -days 7300 -sha256 -subj "/C=VN/O=So Thong tin va Truyen thong/CN=Test CA" 2>/dev/null
leaf() {	# name keyopt digest cn
	openssl req -new -newkey "$2" -nodes -keyout "$tmp/$1.key" \
	    -out "$tmp/$1.csr" -subj "/C=VN/O=Cong ket noi/CN=$4" 2>/dev/null
	printf '%s\n' "$san" >"$tmp/ext"
	openssl x509 -req -in "$tmp/$1.csr" -CA ca.pem -CAkey "$tmp/ca.key" \
	    -CAcreateserial -CAserial "$tmp/serial" -days 3650 "-$3" \
	    -extfile "$tmp/ext" -out "$1.pem" 2>/dev/null
}
leaf good rsa:2048 sha256 gw.example.gov.vn
leaf other rsa:2048 sha256 gw.example.gov.vn
leaf weakkey rsa:1024 sha256 gw.example.gov.vn
leaf sha1 rsa:2048 sha1 gw.example.gov.vn
openssl genpkey -genparam -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$tmp/p256"
leaf ec ec:"$tmp/p256" sha256 gw.example.gov.vn
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/self.key" \
    -out selfsigned.pem -days 3650 -sha256 -addext "$san" \
    -subj "/C=VN/O=Cong ket noi/CN=gw.example.gov.vn" 2>/dev/null
