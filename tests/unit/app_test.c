/*
 * app_test.c — unit tests for the application parsers (app_*.c).
 *
 * Fixtures marked with a capture name were cut from
 * /work/shared/corpus/real/ with tshark ("follow,tcp,raw" for TCP, the
 * UDP payload for datagrams); their expected JA3 hashes, SNIs and DNS
 * fields are what tshark 4.0 reports for the same packets. JA4 values
 * were computed independently from tshark's field dump (ciphers,
 * extensions, signature algorithms, ALPN).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "app.h"
#include "http_body.h"
#include "types.h"

#define STRLEN_OK(s)	(memchr((s), '\0', sizeof(s)) != NULL)

/* zeek_chrome-34-google.pcap: client first flight (tcp stream 0) */
static const uint8_t chrome34_ch[] = {
	0x16, 0x03, 0x01, 0x00, 0xcc, 0x01, 0x00, 0x00, 0xc8, 0x03, 0x03, 0xee,
	0x18, 0x14, 0x14, 0xcc, 0x54, 0x64, 0xd4, 0x3b, 0x10, 0x46, 0xf6, 0x88,
	0x25, 0xac, 0xf4, 0x6d, 0x92, 0x66, 0x32, 0x89, 0xd2, 0xf9, 0x05, 0xec,
	0xfa, 0x68, 0x7e, 0x85, 0x6a, 0xff, 0xaa, 0x00, 0x00, 0x28, 0xc0, 0x2b,
	0xc0, 0x2f, 0x00, 0x9e, 0xcc, 0x14, 0xcc, 0x13, 0xc0, 0x0a, 0xc0, 0x09,
	0xc0, 0x13, 0xc0, 0x14, 0xc0, 0x07, 0xc0, 0x11, 0x00, 0x33, 0x00, 0x32,
	0x00, 0x39, 0x00, 0x9c, 0x00, 0x2f, 0x00, 0x35, 0x00, 0x0a, 0x00, 0x05,
	0x00, 0x04, 0x01, 0x00, 0x00, 0x77, 0x00, 0x00, 0x00, 0x0e, 0x00, 0x0c,
	0x00, 0x00, 0x09, 0x67, 0x6f, 0x6f, 0x67, 0x6c, 0x65, 0x2e, 0x64, 0x65,
	0xff, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0a, 0x00, 0x08, 0x00, 0x06, 0x00,
	0x17, 0x00, 0x18, 0x00, 0x19, 0x00, 0x0b, 0x00, 0x02, 0x01, 0x00, 0x00,
	0x23, 0x00, 0x00, 0x33, 0x74, 0x00, 0x00, 0x00, 0x10, 0x00, 0x1b, 0x00,
	0x19, 0x06, 0x73, 0x70, 0x64, 0x79, 0x2f, 0x33, 0x08, 0x73, 0x70, 0x64,
	0x79, 0x2f, 0x33, 0x2e, 0x31, 0x08, 0x68, 0x74, 0x74, 0x70, 0x2f, 0x31,
	0x2e, 0x31, 0x75, 0x50, 0x00, 0x00, 0x00, 0x05, 0x00, 0x05, 0x01, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x0d, 0x00, 0x12, 0x00, 0x10, 0x04, 0x01, 0x05,
	0x01, 0x02, 0x01, 0x04, 0x03, 0x05, 0x03, 0x02, 0x03, 0x04, 0x02, 0x02,
	0x02, 0x00, 0x12, 0x00, 0x00,
};
/* zeek_chrome-34-google.pcap: server first bytes */
static const uint8_t chrome34_sh[] = {
	0x16, 0x03, 0x03, 0x00, 0x54, 0x02, 0x00, 0x00, 0x50, 0x03, 0x03, 0x53,
	0x59, 0x53, 0x16, 0x6a, 0x9c, 0x51, 0x72, 0xdb, 0x75, 0xdd, 0xff, 0x10,
	0x0b, 0xb4, 0xcc, 0x6a, 0x1a, 0xf8, 0x14, 0x5b, 0xb2, 0x7b, 0xe2, 0x04,
	0xb0, 0xde, 0x87, 0x4e, 0x91, 0x91, 0x99, 0x00, 0xc0, 0x2f, 0x00, 0x00,
	0x28, 0x00, 0x00, 0x00, 0x00, 0xff, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0b,
	0x00, 0x04, 0x03, 0x00, 0x01, 0x02, 0x00, 0x23, 0x00, 0x00, 0x75, 0x50,
	0x00, 0x00, 0x00, 0x10, 0x00, 0x0b, 0x00, 0x09, 0x08, 0x73, 0x70, 0x64,
	0x79, 0x2f, 0x33, 0x2e, 0x31, 0x16, 0x03, 0x03, 0x0c, 0x18, 0x0b, 0x00,
	0x0c, 0x14, 0x00, 0x0c, 0x11, 0x00, 0x04, 0x7f, 0x30, 0x82, 0x04, 0x7b,
	0x30, 0x82, 0x03, 0x63, 0xa0, 0x03, 0x02, 0x01, 0x02, 0x02, 0x08, 0x5f,
	0x16, 0xe9, 0x1e, 0x8e, 0x86, 0x3f, 0x49, 0x30, 0x0d, 0x06, 0x09, 0x2a,
	0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05, 0x05, 0x00, 0x30, 0x49,
	0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x06, 0x13, 0x02, 0x55,
	0x53, 0x31, 0x13, 0x30, 0x11, 0x06, 0x03, 0x55, 0x04, 0x0a, 0x13, 0x0a,
	0x47, 0x6f, 0x6f, 0x67, 0x6c, 0x65, 0x20, 0x49, 0x6e, 0x63, 0x31, 0x25,
	0x30, 0x23, 0x06, 0x03, 0x55, 0x04, 0x03, 0x13, 0x1c, 0x47, 0x6f, 0x6f,
	0x67, 0x6c, 0x65, 0x20, 0x49, 0x6e, 0x74, 0x65, 0x72, 0x6e, 0x65, 0x74,
	0x20, 0x41, 0x75, 0x74, 0x68, 0x6f, 0x72, 0x69, 0x74, 0x79, 0x20, 0x47,
	0x32, 0x30, 0x1e, 0x17, 0x0d, 0x31, 0x34, 0x30, 0x34, 0x30, 0x39, 0x31,
	0x32, 0x30, 0x37, 0x34, 0x35, 0x5a, 0x17, 0x0d, 0x31, 0x34, 0x30, 0x37,
	0x30, 0x38, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x5a, 0x30, 0x65, 0x31,
	0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x06, 0x13, 0x02, 0x55, 0x53,
	0x31, 0x13, 0x30, 0x11, 0x06, 0x03, 0x55, 0x04, 0x08, 0x0c, 0x0a, 0x43,
	0x61, 0x6c, 0x69, 0x66, 0x6f, 0x72, 0x6e, 0x69, 0x61, 0x31, 0x16, 0x30,
	0x14, 0x06, 0x03, 0x55, 0x04, 0x07, 0x0c, 0x0d, 0x4d, 0x6f, 0x75, 0x6e,
	0x74, 0x61, 0x69, 0x6e, 0x20, 0x56, 0x69, 0x65, 0x77, 0x31, 0x13, 0x30,
	0x11, 0x06, 0x03, 0x55, 0x04, 0x0a, 0x0c, 0x0a, 0x47, 0x6f, 0x6f, 0x67,
	0x6c, 0x65, 0x20, 0x49, 0x6e, 0x63, 0x31, 0x14, 0x30, 0x12, 0x06, 0x03,
	0x55, 0x04, 0x03, 0x0c, 0x0b, 0x2a, 0x2e, 0x67, 0x6f, 0x6f, 0x67, 0x6c,
	0x65, 0x2e, 0x64, 0x65, 0x30, 0x82, 0x01, 0x22, 0x30, 0x0d, 0x06, 0x09,
	0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00, 0x03,
	0x82, 0x01, 0x0f, 0x00, 0x30, 0x82, 0x01, 0x0a, 0x02, 0x82, 0x01, 0x01,
	0x00, 0x81, 0x47, 0x81, 0x25, 0x0b, 0x1a, 0xff, 0xcf, 0x3c, 0xd7, 0x6b,
	0x0a, 0x66, 0xb7, 0xcf,
};
/* zeek_tls13-ech.pcap: client first flight (tcp stream 1) */
static const uint8_t ech_ch[] = {
	0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0xd8,
	0x20, 0x98, 0x6a, 0x1f, 0xb4, 0xdc, 0x3a, 0x70, 0xfa, 0xc9, 0x1f, 0x13,
	0x59, 0xff, 0x5e, 0x32, 0x0c, 0x6a, 0x5e, 0x07, 0x39, 0x7a, 0xb3, 0x6f,
	0x8c, 0x51, 0x3b, 0xe4, 0x58, 0x5f, 0x5d, 0x20, 0x7c, 0x77, 0xf9, 0x68,
	0xec, 0xbe, 0xda, 0x04, 0x05, 0x98, 0xf4, 0x7a, 0xf5, 0x26, 0x5f, 0xb5,
	0xf0, 0xf5, 0xef, 0x32, 0x79, 0xf0, 0x8b, 0x43, 0xd0, 0x3c, 0x31, 0xa5,
	0x7c, 0xe0, 0xc6, 0x30, 0x00, 0x20, 0x2a, 0x2a, 0x13, 0x01, 0x13, 0x02,
	0x13, 0x03, 0xc0, 0x2b, 0xc0, 0x2f, 0xc0, 0x2c, 0xc0, 0x30, 0xcc, 0xa9,
	0xcc, 0xa8, 0xc0, 0x13, 0xc0, 0x14, 0x00, 0x9c, 0x00, 0x9d, 0x00, 0x2f,
	0x00, 0x35, 0x01, 0x00, 0x01, 0x93, 0xda, 0xda, 0x00, 0x00, 0xff, 0x01,
	0x00, 0x01, 0x00, 0x00, 0x10, 0x00, 0x0e, 0x00, 0x0c, 0x02, 0x68, 0x32,
	0x08, 0x68, 0x74, 0x74, 0x70, 0x2f, 0x31, 0x2e, 0x31, 0x00, 0x0d, 0x00,
	0x12, 0x00, 0x10, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01, 0x05, 0x03, 0x08,
	0x05, 0x05, 0x01, 0x08, 0x06, 0x06, 0x01, 0x00, 0x33, 0x00, 0x2b, 0x00,
	0x29, 0x1a, 0x1a, 0x00, 0x01, 0x00, 0x00, 0x1d, 0x00, 0x20, 0x23, 0x1c,
	0xb3, 0xa7, 0xbd, 0xe0, 0xd1, 0x5d, 0x97, 0xdf, 0xdf, 0xc4, 0xd3, 0x15,
	0xb1, 0x12, 0x89, 0x9e, 0x94, 0x80, 0xd1, 0xdc, 0x7a, 0x0e, 0x73, 0x9c,
	0x40, 0x58, 0xbb, 0xe7, 0x27, 0x6d, 0x00, 0x2d, 0x00, 0x02, 0x01, 0x01,
	0x44, 0x69, 0x00, 0x05, 0x00, 0x03, 0x02, 0x68, 0x32, 0x00, 0x23, 0x00,
	0x00, 0x00, 0x2b, 0x00, 0x07, 0x06, 0x8a, 0x8a, 0x03, 0x04, 0x03, 0x03,
	0x00, 0x0a, 0x00, 0x0a, 0x00, 0x08, 0x1a, 0x1a, 0x00, 0x1d, 0x00, 0x17,
	0x00, 0x18, 0xfe, 0x0d, 0x00, 0xba, 0x00, 0x00, 0x01, 0x00, 0x01, 0xd1,
	0x00, 0x20, 0xcc, 0xe5, 0xc8, 0x32, 0x99, 0xbb, 0x8d, 0xff, 0xdb, 0x74,
	0xba, 0xfd, 0x0a, 0x1d, 0x52, 0x4b, 0x82, 0x97, 0x3e, 0x22, 0x4c, 0x12,
	0x99, 0x9b, 0xee, 0xd1, 0x69, 0xee, 0x7a, 0x9a, 0xd6, 0x7d, 0x00, 0x90,
	0x0b, 0x7b, 0x2d, 0xc3, 0xb1, 0x7a, 0xdb, 0x2e, 0xab, 0xc1, 0xf7, 0xfa,
	0xbb, 0x61, 0xbd, 0xd5, 0xdb, 0x77, 0x73, 0x36, 0xa9, 0xda, 0x36, 0x79,
	0xc5, 0x37, 0x3f, 0xf6, 0x9f, 0x00, 0x87, 0xb9, 0x45, 0x3b, 0xd3, 0xec,
	0x42, 0xb6, 0xd1, 0x7b, 0x1b, 0x7d, 0x02, 0x4c, 0xd7, 0xc4, 0xb6, 0x27,
	0xd1, 0xb0, 0xcd, 0x3a, 0xe9, 0xfb, 0xe5, 0x42, 0x2f, 0x13, 0x21, 0x87,
	0x78, 0x9d, 0x6c, 0x7f, 0x89, 0xf2, 0x92, 0x01, 0xff, 0x0e, 0x64, 0x85,
	0x3d, 0x39, 0x88, 0xad, 0xb7, 0x23, 0xff, 0xf5, 0x52, 0x44, 0x7e, 0xbd,
	0x08, 0x7a, 0x55, 0x42, 0x2a, 0xbe, 0x56, 0x8a, 0x8d, 0xfe, 0x45, 0x96,
	0xa5, 0x82, 0x0f, 0x13, 0x4e, 0xc9, 0xf1, 0x92, 0x62, 0x0e, 0x4b, 0x36,
	0x77, 0x64, 0x31, 0xe1, 0x4e, 0x35, 0xa6, 0xc9, 0xdd, 0xbe, 0x91, 0x23,
	0x59, 0xb1, 0xbd, 0xe0, 0xd7, 0x4a, 0x06, 0x2e, 0x63, 0x4e, 0xb5, 0xce,
	0xd3, 0x06, 0x3b, 0xed, 0x83, 0xf0, 0xb5, 0x62, 0xf2, 0x62, 0x78, 0x03,
	0x00, 0x17, 0x00, 0x00, 0x00, 0x05, 0x00, 0x05, 0x01, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x0b, 0x00, 0x02, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x17, 0x00, 0x15, 0x00, 0x00, 0x12, 0x63, 0x6c, 0x6f, 0x75,
	0x64, 0x66, 0x6c, 0x61, 0x72, 0x65, 0x2d, 0x65, 0x63, 0x68, 0x2e, 0x63,
	0x6f, 0x6d, 0x00, 0x1b, 0x00, 0x03, 0x02, 0x00, 0x02, 0x9a, 0x9a, 0x00,
	0x01, 0x00, 0x00, 0x15, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00,
};
/* zeek_tls13-ech.pcap: server first bytes */
static const uint8_t ech_sh[] = {
	0x16, 0x03, 0x03, 0x00, 0x7a, 0x02, 0x00, 0x00, 0x76, 0x03, 0x03, 0xcd,
	0x86, 0xaf, 0xb4, 0xbb, 0x27, 0x02, 0x20, 0xf3, 0xb7, 0xc3, 0x30, 0xc6,
	0xfc, 0x84, 0xb3, 0xad, 0xa6, 0xa0, 0x0d, 0x98, 0xb2, 0x85, 0xa5, 0x02,
	0x2d, 0xe6, 0xf5, 0xce, 0xd7, 0x0e, 0xfc, 0x20, 0x7c, 0x77, 0xf9, 0x68,
	0xec, 0xbe, 0xda, 0x04, 0x05, 0x98, 0xf4, 0x7a, 0xf5, 0x26, 0x5f, 0xb5,
	0xf0, 0xf5, 0xef, 0x32, 0x79, 0xf0, 0x8b, 0x43, 0xd0, 0x3c, 0x31, 0xa5,
	0x7c, 0xe0, 0xc6, 0x30, 0x13, 0x01, 0x00, 0x00, 0x2e, 0x00, 0x2b, 0x00,
	0x02, 0x03, 0x04, 0x00, 0x33, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20, 0x0f,
	0xf6, 0xe1, 0x45, 0x2d, 0x32, 0x66, 0x6a, 0x00, 0x36, 0xd0, 0x07, 0x1d,
	0xbf, 0xce, 0xad, 0xdc, 0x64, 0x8e, 0x2d, 0x5a, 0xa6, 0xfd, 0x1c, 0x53,
	0x0c, 0x3f, 0x15, 0xf8, 0x23, 0x27, 0x1f, 0x14, 0x03, 0x03, 0x00, 0x01,
	0x01, 0x17, 0x03, 0x03, 0x00, 0x20, 0xf7, 0xe1, 0xab, 0xdf, 0x5e, 0xa8,
	0x3e, 0x08, 0x22, 0x58, 0x82, 0x79, 0x40, 0x49, 0x38, 0x2a, 0x60, 0x81,
	0x8a, 0x7f, 0x7d, 0x14, 0xa2, 0x4d, 0x1a, 0xda, 0x01, 0xb1, 0x95, 0xe2,
	0x36, 0x28, 0x17, 0x03, 0x03, 0x0a, 0x64, 0x4b, 0x13, 0x6e, 0x6f, 0x65,
	0xcb, 0xb8, 0x10, 0xbd, 0xa4, 0x41, 0x93, 0x6b, 0x71, 0xc8, 0x99, 0x79,
	0x20, 0xf7, 0x52, 0x95, 0x24, 0x8f, 0xb1, 0x30, 0x4d, 0x0c, 0x0a, 0x29,
	0x8e, 0x00, 0x99, 0x9c, 0x3f, 0x4d, 0xab, 0xcb, 0xfb, 0xf1, 0xb5, 0x74,
	0xba, 0x1d, 0x81, 0x72, 0x31, 0x8f, 0x95, 0x01, 0x35, 0xe4, 0x2a, 0x3c,
	0x73, 0x99, 0x4d, 0x6b, 0xaa, 0x30, 0x7c, 0x43, 0x47, 0x47, 0xad, 0x33,
	0x7f, 0x50, 0x55, 0x85, 0x33, 0xcc, 0xed, 0x76, 0xee, 0xd6, 0xda, 0x58,
	0x67, 0x68, 0x5b, 0x0b, 0xf6, 0xe6, 0x88, 0xda, 0x63, 0x04, 0x40, 0x01,
	0x6d, 0x24, 0x89, 0xac, 0x4f, 0xba, 0x6a, 0xcd, 0x5e, 0x45, 0x56, 0x00,
	0x56, 0x8b, 0xa7, 0x01, 0x02, 0xdb, 0x34, 0x24, 0x53, 0xc4, 0xe5, 0x87,
	0x3d, 0xde, 0xbf, 0xbb, 0xe4, 0xf0, 0x56, 0x8d, 0x69, 0x9c, 0xb3, 0x44,
};
/* zeek_tls1_1.pcap: client first flight (tcp stream 0) */
static const uint8_t tls11_ch[] = {
	0x16, 0x03, 0x01, 0x00, 0xc3, 0x01, 0x00, 0x00, 0xbf, 0x03, 0x02, 0x1e,
	0x13, 0x99, 0x5f, 0xae, 0x1b, 0x69, 0x3f, 0x91, 0xb9, 0x73, 0x15, 0xfc,
	0x38, 0xb4, 0xb1, 0x9f, 0x60, 0x0e, 0x2a, 0xff, 0x7f, 0x24, 0xce, 0x9b,
	0x11, 0xbf, 0x53, 0x8b, 0x16, 0x67, 0xe5, 0x00, 0x00, 0x64, 0xc0, 0x14,
	0xc0, 0x0a, 0x00, 0x39, 0x00, 0x38, 0x00, 0x37, 0x00, 0x36, 0x00, 0x88,
	0x00, 0x87, 0x00, 0x86, 0x00, 0x85, 0xc0, 0x0f, 0xc0, 0x05, 0x00, 0x35,
	0x00, 0x84, 0xc0, 0x13, 0xc0, 0x09, 0x00, 0x33, 0x00, 0x32, 0x00, 0x31,
	0x00, 0x30, 0x00, 0x9a, 0x00, 0x99, 0x00, 0x98, 0x00, 0x97, 0x00, 0x45,
	0x00, 0x44, 0x00, 0x43, 0x00, 0x42, 0xc0, 0x0e, 0xc0, 0x04, 0x00, 0x2f,
	0x00, 0x96, 0x00, 0x41, 0x00, 0x07, 0xc0, 0x11, 0xc0, 0x07, 0xc0, 0x0c,
	0xc0, 0x02, 0x00, 0x05, 0x00, 0x04, 0xc0, 0x12, 0xc0, 0x08, 0x00, 0x16,
	0x00, 0x13, 0x00, 0x10, 0x00, 0x0d, 0xc0, 0x0d, 0xc0, 0x03, 0x00, 0x0a,
	0x00, 0xff, 0x02, 0x01, 0x00, 0x00, 0x31, 0x00, 0x0b, 0x00, 0x04, 0x03,
	0x00, 0x01, 0x02, 0x00, 0x0a, 0x00, 0x1c, 0x00, 0x1a, 0x00, 0x17, 0x00,
	0x19, 0x00, 0x1c, 0x00, 0x1b, 0x00, 0x18, 0x00, 0x1a, 0x00, 0x16, 0x00,
	0x0e, 0x00, 0x0d, 0x00, 0x0b, 0x00, 0x0c, 0x00, 0x09, 0x00, 0x0a, 0x00,
	0x23, 0x00, 0x00, 0x00, 0x0f, 0x00, 0x01, 0x01,
};
/* zeek_ssl-v2.pcap: client first flight (tcp stream 0) */
static const uint8_t sslv2_ch[] = {
	0x80, 0x2e, 0x01, 0x00, 0x02, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10, 0x07,
	0x00, 0xc0, 0x05, 0x00, 0x80, 0x03, 0x00, 0x80, 0x01, 0x00, 0x80, 0x06,
	0x00, 0x40, 0x04, 0x00, 0x80, 0x02, 0x00, 0x80, 0x1c, 0x30, 0xe2, 0xb1,
	0x2f, 0x4c, 0x04, 0x52, 0x54, 0x76, 0xf2, 0x80, 0xc0, 0x7a, 0xbe, 0xe5,
};
/* zeek_ssl-v2.pcap: server first bytes */
static const uint8_t sslv2_sh[] = {
	0x83, 0xb4, 0x04, 0x00, 0x01, 0x00, 0x02, 0x03, 0x87, 0x00, 0x12, 0x00,
	0x10, 0x30, 0x82, 0x03, 0x83, 0x30, 0x82, 0x02, 0x6b, 0x02, 0x04, 0x4e,
	0xb6, 0xf2, 0x69, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
	0x0d, 0x01, 0x01, 0x05, 0x05, 0x00, 0x30, 0x81, 0x85, 0x31, 0x0b, 0x30,
	0x09, 0x06, 0x03, 0x55, 0x04, 0x06, 0x13, 0x02, 0x55, 0x53, 0x31, 0x11,
	0x30, 0x0f, 0x06, 0x03,
};
/* zeek_openjdk-25.0.2-zeek.org.pcap: client first flight (tcp stream 0) */
static const uint8_t jdk_ch[] = {
	0x16, 0x03, 0x03, 0x01, 0xc4, 0x01, 0x00, 0x01, 0xc0, 0x03, 0x03, 0xa0,
	0x21, 0xa5, 0x06, 0x27, 0xaa, 0xf4, 0x79, 0x99, 0xa1, 0x11, 0x77, 0xaf,
	0xaf, 0x13, 0x4b, 0x15, 0x67, 0x77, 0x95, 0x46, 0x86, 0x8c, 0xdb, 0x06,
	0xd4, 0xf4, 0xe7, 0x1b, 0x53, 0xa6, 0xe7, 0x20, 0xa1, 0x40, 0x23, 0xae,
	0xbd, 0xc7, 0x0f, 0x8d, 0x83, 0x25, 0x11, 0xdd, 0x64, 0x6b, 0x82, 0x3f,
	0x52, 0xc5, 0xaf, 0xb3, 0x46, 0x83, 0x5a, 0xf7, 0x30, 0xd4, 0x98, 0x31,
	0x8d, 0xcd, 0xc5, 0xad, 0x00, 0x3e, 0x13, 0x02, 0x13, 0x01, 0x13, 0x03,
	0xc0, 0x2c, 0xc0, 0x2b, 0xcc, 0xa9, 0xc0, 0x30, 0xcc, 0xa8, 0xc0, 0x2f,
	0x00, 0x9f, 0xcc, 0xaa, 0x00, 0xa3, 0x00, 0x9e, 0x00, 0xa2, 0xc0, 0x24,
	0xc0, 0x28, 0xc0, 0x23, 0xc0, 0x27, 0x00, 0x6b, 0x00, 0x6a, 0x00, 0x67,
	0x00, 0x40, 0xc0, 0x0a, 0xc0, 0x14, 0xc0, 0x09, 0xc0, 0x13, 0x00, 0x39,
	0x00, 0x38, 0x00, 0x33, 0x00, 0x32, 0x00, 0xff, 0x01, 0x00, 0x01, 0x39,
	0x00, 0x00, 0x00, 0x0d, 0x00, 0x0b, 0x00, 0x00, 0x08, 0x7a, 0x65, 0x65,
	0x6b, 0x2e, 0x6f, 0x72, 0x67, 0x00, 0x05, 0x00, 0x05, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x0a, 0x00, 0x16, 0x00, 0x14, 0x00, 0x1d, 0x00, 0x17,
	0x00, 0x18, 0x00, 0x19, 0x00, 0x1e, 0x01, 0x00, 0x01, 0x01, 0x01, 0x02,
	0x01, 0x03, 0x01, 0x04, 0x00, 0x0b, 0x00, 0x02, 0x01, 0x00, 0x00, 0x10,
	0x00, 0x0e, 0x00, 0x0c, 0x02, 0x68, 0x32, 0x08, 0x68, 0x74, 0x74, 0x70,
	0x2f, 0x31, 0x2e, 0x31, 0x00, 0x11, 0x00, 0x09, 0x00, 0x07, 0x02, 0x00,
	0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x23, 0x00,
	0x00, 0x00, 0x0d, 0x00, 0x26, 0x00, 0x24, 0x04, 0x03, 0x05, 0x03, 0x06,
	0x03, 0x08, 0x07, 0x08, 0x08, 0x08, 0x04, 0x08, 0x05, 0x08, 0x06, 0x08,
	0x09, 0x08, 0x0a, 0x08, 0x0b, 0x04, 0x01, 0x05, 0x01, 0x06, 0x01, 0x04,
	0x02, 0x03, 0x03, 0x03, 0x01, 0x03, 0x02, 0x00, 0x2b, 0x00, 0x05, 0x04,
	0x03, 0x04, 0x03, 0x03, 0x00, 0x2d, 0x00, 0x02, 0x01, 0x01, 0x00, 0x32,
	0x00, 0x2c, 0x00, 0x2a, 0x04, 0x03, 0x05, 0x03, 0x06, 0x03, 0x08, 0x07,
	0x08, 0x08, 0x08, 0x04, 0x08, 0x05, 0x08, 0x06, 0x08, 0x09, 0x08, 0x0a,
	0x08, 0x0b, 0x04, 0x01, 0x05, 0x01, 0x06, 0x01, 0x04, 0x02, 0x03, 0x03,
	0x03, 0x01, 0x03, 0x02, 0x02, 0x03, 0x02, 0x01, 0x02, 0x02, 0x00, 0x33,
	0x00, 0x6b, 0x00, 0x69, 0x00, 0x1d, 0x00, 0x20, 0x27, 0x06, 0x63, 0xb7,
	0x63, 0xd4, 0xbc, 0x48, 0x32, 0x8b, 0x25, 0x0b, 0x6a, 0xdc, 0x69, 0x03,
	0xe1, 0xf5, 0x0b, 0x5c, 0x38, 0xa1, 0xb8, 0xf7, 0x77, 0x31, 0x12, 0x43,
	0x92, 0x87, 0x10, 0x18, 0x00, 0x17, 0x00, 0x41, 0x04, 0x3b, 0x4f, 0xdb,
	0xde, 0xdd, 0xcb, 0xc7, 0xf4, 0x34, 0x45, 0x5e, 0x6f, 0x5d, 0x3e, 0x5a,
	0xb2, 0xc9, 0x17, 0xa7, 0x85, 0x2f, 0xb4, 0xf6, 0x52, 0x55, 0x4d, 0xf4,
	0x6d, 0x17, 0xf1, 0x16, 0x0e, 0x9b, 0x0a, 0xf7, 0x15, 0x32, 0x69, 0xf7,
	0x4f, 0xa7, 0x58, 0x8e, 0x87, 0x6d, 0x92, 0x3e, 0xda, 0xc3, 0xfe, 0xe9,
	0xb8, 0xdb, 0x10, 0x7f, 0xcb, 0x6d, 0x4d, 0x8f, 0xa2, 0x9d, 0xfa, 0xfd,
	0x58,
};
/* sv_tls-client-hello-frag-01_dump_mtu300.pcap: client first flight (tcp stream 0) */
static const uint8_t mtu300_ch[] = {
	0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0xdb,
	0xd9, 0x72, 0xda, 0x37, 0x1b, 0xd6, 0x0e, 0xc7, 0x42, 0xcc, 0x3b, 0x21,
	0x6c, 0x62, 0xbf, 0x9c, 0x83, 0xdf, 0x9e, 0xec, 0xf4, 0xe1, 0x13, 0x6b,
	0x46, 0xf6, 0xe7, 0xf5, 0xbe, 0xb3, 0xd1, 0x00, 0x00, 0xa0, 0xc0, 0x30,
	0xc0, 0x2c, 0xc0, 0x28, 0xc0, 0x24, 0xc0, 0x14, 0xc0, 0x0a, 0x00, 0xa5,
	0x00, 0xa3, 0x00, 0xa1, 0x00, 0x9f, 0x00, 0x6b, 0x00, 0x6a, 0x00, 0x69,
	0x00, 0x68, 0x00, 0x39, 0x00, 0x38, 0x00, 0x37, 0x00, 0x36, 0x00, 0x88,
	0x00, 0x87, 0x00, 0x86, 0x00, 0x85, 0xc0, 0x32, 0xc0, 0x2e, 0xc0, 0x2a,
	0xc0, 0x26, 0xc0, 0x0f, 0xc0, 0x05, 0x00, 0x9d, 0x00, 0x3d, 0x00, 0x35,
	0x00, 0x84, 0xc0, 0x2f, 0xc0, 0x2b, 0xc0, 0x27, 0xc0, 0x23, 0xc0, 0x13,
	0xc0, 0x09, 0x00, 0xa4, 0x00, 0xa2, 0x00, 0xa0, 0x00, 0x9e, 0x00, 0x67,
	0x00, 0x40, 0x00, 0x3f, 0x00, 0x3e, 0x00, 0x33, 0x00, 0x32, 0x00, 0x31,
	0x00, 0x30, 0x00, 0x9a, 0x00, 0x99, 0x00, 0x98, 0x00, 0x97, 0x00, 0x45,
	0x00, 0x44, 0x00, 0x43, 0x00, 0x42, 0xc0, 0x31, 0xc0, 0x2d, 0xc0, 0x29,
	0xc0, 0x25, 0xc0, 0x0e, 0xc0, 0x04, 0x00, 0x9c, 0x00, 0x3c, 0x00, 0x2f,
	0x00, 0x96, 0x00, 0x41, 0xc0, 0x12, 0xc0, 0x08, 0x00, 0x16, 0x00, 0x13,
	0x00, 0x10, 0x00, 0x0d, 0xc0, 0x0d, 0xc0, 0x03, 0x00, 0x0a, 0x00, 0x07,
	0x00, 0xff, 0x01, 0x00, 0x01, 0x33, 0x00, 0x00, 0x00, 0x13, 0x00, 0x11,
	0x00, 0x00, 0x0e, 0x77, 0x77, 0x77, 0x2e, 0x67, 0x6f, 0x6f, 0x67, 0x6c,
	0x65, 0x2e, 0x63, 0x6f, 0x6d, 0x00, 0x0b, 0x00, 0x04, 0x03, 0x00, 0x01,
	0x02, 0x00, 0x0a, 0x00, 0x0a, 0x00, 0x08, 0x00, 0x17, 0x00, 0x19, 0x00,
	0x18, 0x00, 0x16, 0x00, 0x0d, 0x00, 0x20, 0x00, 0x1e, 0x06, 0x01, 0x06,
	0x02, 0x06, 0x03, 0x05, 0x01, 0x05, 0x02, 0x05, 0x03, 0x04, 0x01, 0x04,
	0x02, 0x04, 0x03, 0x03, 0x01, 0x03, 0x02, 0x03, 0x03, 0x02, 0x01, 0x02,
	0x02, 0x02, 0x03, 0x00, 0x0f, 0x00, 0x01, 0x01, 0x33, 0x74, 0x00, 0x00,
	0x00, 0x10, 0x00, 0x0e, 0x00, 0x0c, 0x02, 0x68, 0x32, 0x08, 0x68, 0x74,
	0x74, 0x70, 0x2f, 0x31, 0x2e, 0x31, 0x00, 0x15, 0x00, 0xc3, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00,
};
/* td_dns_udp.pcap frames 1, 2 */
static const uint8_t dns_udp_q[] = {
	0x59, 0x34, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x03, 0x77, 0x77, 0x77, 0x07, 0x74, 0x63, 0x70, 0x64, 0x75, 0x6d, 0x70,
	0x03, 0x6f, 0x72, 0x67, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x29,
	0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x0a, 0x00, 0x08,
	0x42, 0xf5, 0xd0, 0x09, 0x96, 0xf9, 0x0b, 0x13,
};
static const uint8_t dns_udp_r[] = {
	0x59, 0x34, 0x85, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x02, 0x00, 0x05,
	0x03, 0x77, 0x77, 0x77, 0x07, 0x74, 0x63, 0x70, 0x64, 0x75, 0x6d, 0x70,
	0x03, 0x6f, 0x72, 0x67, 0x00, 0x00, 0x01, 0x00, 0x01, 0xc0, 0x0c, 0x00,
	0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x04, 0xc0, 0x8b, 0x2e,
	0x42, 0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00,
	0x04, 0xc6, 0xc7, 0x58, 0x68, 0xc0, 0x10, 0x00, 0x02, 0x00, 0x01, 0x00,
	0x01, 0x51, 0x80, 0x00, 0x12, 0x03, 0x73, 0x6e, 0x73, 0x08, 0x63, 0x6f,
	0x6f, 0x70, 0x65, 0x72, 0x69, 0x78, 0x03, 0x6e, 0x65, 0x74, 0x00, 0xc0,
	0x10, 0x00, 0x02, 0x00, 0x01, 0x00, 0x01, 0x51, 0x80, 0x00, 0x12, 0x03,
	0x6e, 0x69, 0x63, 0x09, 0x73, 0x61, 0x6e, 0x64, 0x65, 0x6c, 0x6d, 0x61,
	0x6e, 0x02, 0x63, 0x61, 0x00, 0xc0, 0x6b, 0x00, 0x01, 0x00, 0x01, 0x00,
	0x00, 0x01, 0x2c, 0x00, 0x04, 0xd1, 0x57, 0xf9, 0x12, 0xc0, 0x6b, 0x00,
	0x1c, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x10, 0x26, 0x07, 0xf0,
	0xb0, 0x00, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xba, 0xbe, 0xf0,
	0x0d, 0xc0, 0x4d, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x1c, 0x20, 0x00,
	0x04, 0x61, 0x6b, 0x85, 0x0f, 0xc0, 0x4d, 0x00, 0x1c, 0x00, 0x01, 0x00,
	0x00, 0x1c, 0x20, 0x00, 0x10, 0x26, 0x00, 0x3c, 0x03, 0x00, 0x00, 0x00,
	0x00, 0xf0, 0x3c, 0x91, 0xff, 0xfe, 0x96, 0xe8, 0xef, 0x00, 0x00, 0x29,
	0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/* td_dns_tcp.pcap: query with its 2-byte length */
static const uint8_t dns_tcp_q[] = {
	0x00, 0x38, 0x43, 0x19, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x03, 0x77, 0x77, 0x77, 0x07, 0x74, 0x63, 0x70, 0x64, 0x75,
	0x6d, 0x70, 0x03, 0x6f, 0x72, 0x67, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00,
	0x00, 0x29, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x0a,
	0x00, 0x08, 0x8f, 0x06, 0xbe, 0x7d, 0x69, 0x14, 0x42, 0xf0,
};
/* td_dns-badcookie.pcap frame 2 */
static const uint8_t dns_cookie_r[] = {
	0xf6, 0xab, 0x81, 0x87, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x06, 0x00, 0x01, 0x00, 0x00, 0x29, 0x10, 0x00, 0x01, 0x00,
	0x00, 0x00, 0x00, 0x1c, 0x00, 0x0a, 0x00, 0x18, 0x36, 0xbf, 0x11, 0x1f,
	0xef, 0x2e, 0x01, 0x09, 0x7d, 0x8f, 0xfe, 0x06, 0x5c, 0x63, 0x6f, 0xfb,
	0x14, 0x2d, 0x76, 0x74, 0x94, 0x40, 0x7a, 0x73,
};
/* zeek_ipv6-fragmented-dns.pcap frame 2 */
static const uint8_t dns_txt_r[] = {
	0x0f, 0x3f, 0x85, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x00, 0x02,
	0x0e, 0x74, 0x78, 0x74, 0x70, 0x61, 0x64, 0x64, 0x69, 0x6e, 0x67, 0x5f,
	0x33, 0x32, 0x33, 0x02, 0x6e, 0x31, 0x08, 0x6e, 0x65, 0x74, 0x61, 0x6c,
	0x79, 0x7a, 0x72, 0x04, 0x69, 0x63, 0x73, 0x69, 0x08, 0x62, 0x65, 0x72,
	0x6b, 0x65, 0x6c, 0x65, 0x79, 0x03, 0x65, 0x64, 0x75, 0x00, 0x00, 0x10,
	0x00, 0x01, 0xc0, 0x0c, 0x00, 0x10, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
	0x00, 0xc1, 0x21, 0x54, 0x68, 0x69, 0x73, 0x20, 0x54, 0x58, 0x54, 0x20,
	0x72, 0x65, 0x63, 0x6f, 0x72, 0x64, 0x20, 0x73, 0x68, 0x6f, 0x75, 0x6c,
	0x64, 0x20, 0x62, 0x65, 0x20, 0x69, 0x67, 0x6e, 0x6f, 0x72, 0x65, 0x64,
	0x15, 0x41, 0x73, 0x20, 0x69, 0x74, 0x20, 0x69, 0x73, 0x20, 0x6a, 0x75,
	0x73, 0x74, 0x20, 0x70, 0x61, 0x64, 0x64, 0x69, 0x6e, 0x67, 0x88, 0x58,
	0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58,
	0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58,
	0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58,
	0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58,
	0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58,
	0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58,
	0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58,
	0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58,
	0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58,
	0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58,
	0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58, 0x58,
	0x58, 0x58, 0x58, 0xc0, 0x1b, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x64, 0x00, 0x11, 0x06, 0x72, 0x6f, 0x6c, 0x61, 0x6e, 0x64, 0x04, 0x69,
	0x63, 0x69, 0x72, 0x03, 0x6f, 0x72, 0x67, 0x00, 0x00, 0x00, 0x29, 0x10,
	0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0xc1, 0x17, 0x00, 0x01, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x64, 0x00, 0x04, 0xc0, 0x96, 0xbb, 0x1f,
};
/* zeek_snmp_snmpv1_get.pcap frame 1 */
static const uint8_t snmp_v1[] = {
	0x30, 0x26, 0x02, 0x01, 0x00, 0x04, 0x06, 0x70, 0x75, 0x62, 0x6c, 0x69,
	0x63, 0xa0, 0x19, 0x02, 0x01, 0x26, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00,
	0x30, 0x0e, 0x30, 0x0c, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01,
	0x02, 0x00, 0x05, 0x00,
};
/* zeek_snmp_snmpv3_get_next.pcap frame 1 */
static const uint8_t snmp_v3[] = {
	0x30, 0x3d, 0x02, 0x01, 0x03, 0x30, 0x10, 0x02, 0x04, 0x20, 0x7b, 0x2f,
	0x72, 0x02, 0x02, 0x40, 0x00, 0x04, 0x01, 0x04, 0x02, 0x01, 0x03, 0x04,
	0x10, 0x30, 0x0e, 0x04, 0x00, 0x02, 0x01, 0x2a, 0x02, 0x01, 0x2a, 0x04,
	0x00, 0x04, 0x00, 0x04, 0x00, 0x30, 0x14, 0x04, 0x00, 0x04, 0x00, 0xa0,
	0x0e, 0x02, 0x04, 0x20, 0x7b, 0x2f, 0x72, 0x02, 0x01, 0x00, 0x02, 0x01,
	0x00, 0x30, 0x00,
};
/* sv_telnet-01_telnet.pcap: first client and server chunks */
static const uint8_t telnet_c1[] = {
	0xff, 0xfd, 0x03, 0xff, 0xfb, 0x18, 0xff, 0xfb, 0x1f, 0xff, 0xfb, 0x20,
	0xff, 0xfb, 0x21, 0xff, 0xfb, 0x22, 0xff, 0xfb, 0x27, 0xff, 0xfd, 0x05,
	0xff, 0xfb, 0x23,
};
static const uint8_t telnet_s1[] = {
	0xff, 0xfd, 0x25,
};

/* td_dns-zlip-1.pcap: a query whose name is a self-referencing pointer. */
static const uint8_t dns_zlip[] = {
	0xed, 0x69, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xc0, 0x0c, 0xc0, 0x07, 0xc0, 0x10, 0xc0, 0x17, 0xc0, 0x20, 0xc0, 0x27,
	0xc0, 0x30, 0xc0, 0xff, 0xcf, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01,
};

/* A deterministic PRNG for the mutation loops (xorshift32). */
static uint32_t
prng(uint32_t *s)
{
	*s ^= (uint32_t)((uint64_t)*s << 13);
	*s ^= *s >> 17;
	*s ^= (uint32_t)((uint64_t)*s << 5);
	return (*s);
}

/* Exact-size heap copy, so the sanitizer sees any read past len. */
static uint8_t *
dup_exact(const void *p, size_t len)
{
	uint8_t	*b = malloc(len > 0 ? len : 1);

	assert_non_null(b);
	if (len > 0)
		memcpy(b, p, len);
	return (b);
}

static int
tls_ch(const uint8_t *p, size_t len, struct app_tls *t)
{
	uint8_t	*b = dup_exact(p, len);
	int	 rc = app_tls_client_hello(b, len, t);

	free(b);
	return (rc);
}

/* Rewrap a single-record handshake into records of at most k bytes. */
static size_t
tls_resplit(const uint8_t *p, size_t len, size_t k, uint8_t *out,
    size_t outlen)
{
	size_t	 body = len - 5, o = 0, i, n;

	for (i = 0; i < body; i += n) {
		n = body - i < k ? body - i : k;
		assert_true(o + 5 + n <= outlen);
		out[o++] = 0x16;
		out[o++] = p[1];
		out[o++] = p[2];
		out[o++] = (uint8_t)(n >> 8);
		out[o++] = (uint8_t)n;
		memcpy(out + o, p + 5 + i, n);
		o += n;
	}
	return (o);
}

/*
 * Copy the records of p with k empty handshake records before each one
 * (and k after the last when tail is set).
 */
static size_t
tls_empties(const uint8_t *p, size_t len, size_t k, int tail, uint8_t *out,
    size_t outlen)
{
	static const uint8_t empty[] = { 0x16, 0x03, 0x01, 0x00, 0x00 };
	size_t	 o = 0, i = 0, j, rl;

	while (i <= len) {
		if (i == len && !tail)
			break;
		for (j = 0; j < k; j++) {
			assert_true(o + sizeof(empty) <= outlen);
			memcpy(out + o, empty, sizeof(empty));
			o += sizeof(empty);
		}
		if (i == len)
			break;
		assert_true(len - i >= 5);
		rl = 5 + ((size_t)p[i + 3] << 8 | p[i + 4]);
		assert_true(rl <= len - i && o + rl <= outlen);
		memcpy(out + o, p + i, rl);
		o += rl;
		i += rl;
	}
	return (o);
}

/* Every proper prefix of a complete hello must ask for more. */
static void
check_ch_prefixes(const uint8_t *p, size_t len)
{
	struct app_tls	 t;
	size_t		 i;

	for (i = 0; i < len; i++)
		assert_int_equal(tls_ch(p, i, &t), APP_MORE);
	assert_int_equal(tls_ch(p, len, &t), APP_DONE);
}

static void
test_tls_chrome34(void **state)
{
	struct app_tls	 t;

	(void)state;
	assert_int_equal(tls_ch(chrome34_ch, sizeof(chrome34_ch), &t),
	    APP_DONE);
	assert_int_equal(t.legacy_version, 0x0303);
	assert_int_equal(t.max_version, 0x0303);
	assert_int_equal(t.nversions, 0);
	assert_int_equal(t.sslv2, 0);
	assert_int_equal(t.nciphers, 20);
	assert_int_equal(t.ciphers[0], 49195);
	assert_int_equal(t.ciphers[19], 4);
	assert_string_equal(t.sni, "google.de");
	assert_string_equal(t.ja3, "a607f3a5c94c2ee592af1456f36c8367");
	assert_string_equal(t.ja4, "t12d2011s3_8dd61975155f_06a4338d0495");
	check_ch_prefixes(chrome34_ch, sizeof(chrome34_ch));
}

static void
test_tls_13_grease(void **state)
{
	struct app_tls	 t;

	(void)state;
	assert_int_equal(tls_ch(ech_ch, sizeof(ech_ch), &t), APP_DONE);
	assert_int_equal(t.legacy_version, 0x0303);
	assert_int_equal(t.max_version, 0x0304);
	/* 0x8a8a GREASE is left out */
	assert_int_equal(t.nversions, 2);
	assert_int_equal(t.versions[0], 0x0304);
	assert_int_equal(t.versions[1], 0x0303);
	assert_int_equal(t.nciphers, 15);
	assert_int_equal(t.ciphers[0], 0x1301);
	assert_string_equal(t.sni, "cloudflare-ech.com");
	assert_string_equal(t.ja3, "2fcbf8655473005933c5869b2b5d8044");
	assert_string_equal(t.ja4, "t13d1517h2_8daaf6152771_b1ff8ab2d16f");
	assert_string_equal(app_tls_version_name(t.max_version), "TLS 1.3");
	check_ch_prefixes(ech_ch, sizeof(ech_ch));
}

static void
test_tls_others(void **state)
{
	struct app_tls	 t;

	(void)state;
	assert_int_equal(tls_ch(tls11_ch, sizeof(tls11_ch), &t), APP_DONE);
	assert_int_equal(t.legacy_version, 0x0302);
	assert_int_equal(t.max_version, 0x0302);
	assert_string_equal(t.sni, "");
	assert_int_equal(t.nciphers, 50);
	assert_string_equal(t.ja3, "5eb6e1fe80f696450a62a48bb3d6a965");
	assert_string_equal(t.ja4, "t11i500400_59a6c70126c8_282f11336259");
	check_ch_prefixes(tls11_ch, sizeof(tls11_ch));

	assert_int_equal(tls_ch(jdk_ch, sizeof(jdk_ch), &t), APP_DONE);
	assert_int_equal(t.max_version, 0x0304);
	assert_string_equal(t.sni, "zeek.org");
	assert_string_equal(t.ja3, "bddb16608b241c89053080cf80771423");
	assert_string_equal(t.ja4, "t13d3113h2_1d947a95fc68_7e1102d2036b");
	check_ch_prefixes(jdk_ch, sizeof(jdk_ch));

	/* 80 suites: the count is exact, the first 64 are kept */
	assert_int_equal(tls_ch(mtu300_ch, sizeof(mtu300_ch), &t), APP_DONE);
	assert_int_equal(t.nciphers, 80);
	assert_int_equal(t.ciphers[0], 0xc030);
	assert_int_equal(t.ciphers[TLS_CIPHERS_MAX - 1], 49156);
	assert_string_equal(t.sni, "www.google.com");
	assert_string_equal(t.ja3, "a64c29923906f2a1be278be1da0714fa");
	assert_string_equal(t.ja4, "t12d8008h2_9cedc1f1428b_046e095b7c4a");
	check_ch_prefixes(mtu300_ch, sizeof(mtu300_ch));
}

/* A hello parsed on a thread of its own: a cold fingerprint cache. */
struct cold_job {
	const uint8_t	*p;
	size_t		 len;
	struct app_tls	 t;
	int		 rc;
};

static void *
cold_parse(void *arg)
{
	struct cold_job	*j = arg;

	j->rc = tls_ch(j->p, j->len, &j->t);
	return (NULL);
}

/* Parse p here (the cache warm after the first) and cold: the same. */
static void
same_warm_and_cold(const uint8_t *p, size_t len, struct app_tls *warm)
{
	struct cold_job	 j = { p, len, { 0 }, 0 };
	pthread_t	 tid;

	assert_int_equal(tls_ch(p, len, warm), APP_DONE);
	assert_int_equal(pthread_create(&tid, NULL, cold_parse, &j), 0);
	assert_int_equal(pthread_join(tid, NULL), 0);
	assert_int_equal(j.rc, APP_DONE);
	assert_string_equal(warm->ja3, j.t.ja3);
	assert_string_equal(warm->ja4, j.t.ja4);
}

/*
 * JA3/JA4 are kept per distinct hello: a hello whose inputs differ in
 * order only (JA3 differs, JA4 does not) is not answered from the
 * cache, one that differs in GREASE only has the same prints, and every
 * answer is what a cold parse gives.
 */
static void
test_tls_fingerprint_cache(void **state)
{
	static const uint8_t	 two[] = { 0xc0, 0x2b, 0xc0, 0x2f };
	struct app_tls		 a, b;
	uint8_t			 v[sizeof(ech_ch)], *q;
	size_t			 i, ngrease = 0;

	(void)state;
	same_warm_and_cold(chrome34_ch, sizeof(chrome34_ch), &a);
	same_warm_and_cold(chrome34_ch, sizeof(chrome34_ch), &a);
	assert_string_equal(a.ja3, "a607f3a5c94c2ee592af1456f36c8367");
	/* The first two suites swapped. */
	memcpy(v, chrome34_ch, sizeof(chrome34_ch));
	q = memmem(v, sizeof(chrome34_ch), two, sizeof(two));
	assert_non_null(q);
	q[1] = 0x2f;
	q[3] = 0x2b;
	same_warm_and_cold(v, sizeof(chrome34_ch), &b);
	assert_string_not_equal(b.ja3, a.ja3);
	assert_string_equal(b.ja4, a.ja4);
	/* Every GREASE value of a TLS 1.3 hello changed: the same prints. */
	same_warm_and_cold(ech_ch, sizeof(ech_ch), &a);
	memcpy(v, ech_ch, sizeof(ech_ch));
	for (i = 0; i + 1 < sizeof(v); i++)
		if (v[i] == v[i + 1] && (v[i] & 0x0f) == 0x0a) {
			v[i] = v[i + 1] = (uint8_t)(v[i] + 0x10);
			ngrease++;
			i++;
		}
	assert_true(ngrease >= 2);
	same_warm_and_cold(v, sizeof(v), &b);
	assert_string_equal(b.ja3, a.ja3);
	assert_string_equal(b.ja4, a.ja4);
	same_warm_and_cold(jdk_ch, sizeof(jdk_ch), &a);
	assert_string_equal(a.ja3, "bddb16608b241c89053080cf80771423");
}

/* The same ClientHello over records of 1, 2, 7, 100 bytes. */
static void
test_tls_multi_record(void **state)
{
	static const size_t ks[] = { 1, 2, 7, 100 };
	struct app_tls	 ref, t;
	uint8_t		 buf[8192];
	size_t		 i, n, j;

	(void)state;
	assert_int_equal(tls_ch(ech_ch, sizeof(ech_ch), &ref), APP_DONE);
	for (i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
		n = tls_resplit(ech_ch, sizeof(ech_ch), ks[i], buf,
		    sizeof(buf));
		assert_int_equal(tls_ch(buf, n, &t), APP_DONE);
		assert_memory_equal(&t, &ref, sizeof(t));
		for (j = 0; j < n; j++)
			assert_int_equal(tls_ch(buf, j, &t), APP_MORE);
	}
	/* a record of another content type in the middle is not a hello */
	n = tls_resplit(ech_ch, sizeof(ech_ch), 100, buf, sizeof(buf));
	buf[105] = 0x17;
	assert_int_equal(tls_ch(buf, n, &t), APP_BAD);
	assert_int_equal(tls_ch(buf, 106, &t), APP_BAD);
	assert_int_equal(tls_ch(buf, 105, &t), APP_MORE);

	/*
	 * Taken out of its records as segments come (app.c gathers a hello
	 * that spans segments so: with its records, one cut into one-byte
	 * records, six times its size, ran over the 4 KiB buffer): the
	 * message alone, read as the framed one is, the same prints; a
	 * ChangeCipherSpec after it is not taken; a record of another type
	 * inside it, or a 33rd empty one in a row, is refused.
	 */
	for (i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
		static const size_t segs[] = { 1, 13, 8192 };
		uint8_t		 msg[sizeof(ech_ch)];
		struct tls_deframe d;
		size_t		 s, len, at;

		n = tls_resplit(ech_ch, sizeof(ech_ch), ks[i], buf,
		    sizeof(buf) - 6);
		memcpy(buf + n, "\x14\x03\x03\x00\x01\x01", 6);
		n += 6;
		for (s = 0; s < sizeof(segs) / sizeof(segs[0]); s++) {
			memset(&d, 0, sizeof(d));
			len = 0;
			for (at = 0; at < n; at += segs[s])
				assert_int_equal(app_tls_deframe(&d, buf + at,
				    n - at < segs[s] ? n - at : segs[s], msg,
				    &len, sizeof(msg)), 0);
			assert_int_equal(len, sizeof(ech_ch) - 5);
			assert_memory_equal(msg, ech_ch + 5, len);
			assert_int_equal(app_tls_client_hello_bare(msg, len,
			    &t), APP_DONE);
			assert_string_equal(t.sni, ref.sni);
			assert_int_equal(t.nciphers, ref.nciphers);
			assert_int_equal(t.max_version, ref.max_version);
			t.hello = msg;
			t.hello_len = len;
			t.hello_bare = 1;
			app_tls_fingerprints(&t);
			assert_string_equal(t.ja3, ref.ja3);
			assert_string_equal(t.ja4, ref.ja4);
		}
	}
	{
		uint8_t		 msg[sizeof(ech_ch)];
		struct tls_deframe d;
		size_t		 len = 0;

		n = tls_resplit(ech_ch, sizeof(ech_ch), 100, buf, sizeof(buf));
		buf[105] = 0x17;
		memset(&d, 0, sizeof(d));
		assert_int_equal(app_tls_deframe(&d, buf, n, msg, &len,
		    sizeof(msg)), -1);
		memset(buf, 0, 33 * 5);
		for (j = 0; j < 33; j++)
			memcpy(buf + 5 * j, "\x16\x03\x01\x00\x00", 5);
		memset(&d, 0, sizeof(d));
		len = 0;
		assert_int_equal(app_tls_deframe(&d, buf, 32 * 5, msg, &len,
		    sizeof(msg)), 0);
		assert_int_equal(app_tls_deframe(&d, buf, 5, msg, &len,
		    sizeof(msg)), -1);
	}
}

/*
 * Empty handshake records: RFC 8446 forbids them, but OpenSSL 3 reads
 * past up to 32 in a row and completes the handshake (the attacker
 * review's sni_real_emptyrec.pcap: s_server answered, tshark showed the
 * name), so the hello behind them is read, SNI and fingerprints the
 * same; 33 in a row end it, as they end OpenSSL's handshake.
 */
static void
test_tls_empty_records(void **state)
{
	static uint8_t	 buf[64 * 1024], split[8192];
	struct app_tls	 ref, t;
	size_t		 n, m, i;

	(void)state;
	assert_int_equal(tls_ch(ech_ch, sizeof(ech_ch), &ref), APP_DONE);
	assert_true(ref.sni[0] != '\0');
	/* one before the hello, the evasion's capture */
	n = tls_empties(ech_ch, sizeof(ech_ch), 1, 0, buf, sizeof(buf));
	assert_int_equal(n, sizeof(ech_ch) + 5);
	assert_int_equal(tls_ch(buf, n, &t), APP_DONE);
	assert_memory_equal(&t, &ref, sizeof(t));
	for (i = 0; i < n; i++)
		assert_int_equal(tls_ch(buf, i, &t), APP_MORE);
	assert_int_equal(app_tls_msg_short(buf, n), 0);
	assert_int_equal(app_tls_msg_short(buf, n - 1), 1);
	/* 32 in a row: still read; 33: not */
	n = tls_empties(ech_ch, sizeof(ech_ch), 32, 0, buf, sizeof(buf));
	assert_int_equal(tls_ch(buf, n, &t), APP_DONE);
	assert_memory_equal(&t, &ref, sizeof(t));
	n = tls_empties(ech_ch, sizeof(ech_ch), 33, 0, buf, sizeof(buf));
	assert_int_equal(tls_ch(buf, n, &t), APP_BAD);
	assert_int_equal(tls_ch(buf, 33 * 5, &t), APP_BAD);
	assert_int_equal(tls_ch(buf, 32 * 5, &t), APP_MORE);
	assert_int_equal(app_tls_msg_short(buf, 33 * 5), 0);
	assert_int_equal(app_tls_msg_short(buf, 32 * 5), 1);
	/* between the fragments of a hello split over records: the count
	 * is of empties in a row, 32 before each fragment are read */
	m = tls_resplit(ech_ch, sizeof(ech_ch), 7, split, sizeof(split));
	n = tls_empties(split, m, 32, 0, buf, sizeof(buf));
	assert_int_equal(tls_ch(buf, n, &t), APP_DONE);
	assert_memory_equal(&t, &ref, sizeof(t));
	assert_int_equal(app_tls_msg_short(buf, n), 0);
	n = tls_empties(split, m, 3, 0, buf, sizeof(buf));
	for (i = 0; i < n; i++)
		assert_int_equal(tls_ch(buf, i, &t), APP_MORE);
	/* a flood of them is refused at the bound, never read to its end */
	memset(buf, 0, sizeof(buf));
	for (i = 0; i + 5 <= sizeof(buf); i += 5)
		memcpy(buf + i, "\x16\x03\x01\x00\x00", 5);
	assert_int_equal(tls_ch(buf, i, &t), APP_BAD);
	assert_int_equal(app_tls_msg_short(buf, i), 0);
	/* and the ServerHello alike */
	n = tls_empties(ech_sh, 5 + ((size_t)ech_sh[3] << 8 | ech_sh[4]), 1,
	    0, buf, sizeof(buf));
	assert_int_equal(app_tls_server_hello(buf, n, &t), APP_DONE);
	assert_int_equal(t.server_version, 0x0304);
	n = tls_empties(ech_sh, 5 + ((size_t)ech_sh[3] << 8 | ech_sh[4]), 33,
	    0, buf, sizeof(buf));
	assert_int_equal(app_tls_server_hello(buf, n, &t), APP_BAD);
}

static void
test_tls_sslv2(void **state)
{
	struct app_tls	 t;
	size_t		 i;

	(void)state;
	assert_int_equal(tls_ch(sslv2_ch, sizeof(sslv2_ch), &t), APP_DONE);
	assert_int_equal(t.sslv2, 1);
	assert_int_equal(t.legacy_version, 0x0002);
	assert_int_equal(t.max_version, 0x0002);
	assert_int_equal(t.nciphers, 7);
	assert_int_equal(t.ciphers[0], 0x00c0);	/* 0x0700c0 low bits */
	assert_string_equal(t.ja3, "");
	assert_string_equal(app_tls_version_name(t.max_version), "SSLv2");
	check_ch_prefixes(sslv2_ch, sizeof(sslv2_ch));

	assert_int_equal(app_tls_server_hello(sslv2_sh, sizeof(sslv2_sh), &t),
	    APP_DONE);
	assert_int_equal(t.server_version, 0x0002);
	for (i = 0; i < 13; i++)
		assert_int_equal(app_tls_server_hello(sslv2_sh, i, &t),
		    APP_MORE);
}

static void
test_tls_server_hello(void **state)
{
	struct app_tls	 t;
	uint8_t		*b;
	size_t		 i, shlen;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.max_version = 0x0303;		/* client fields are left alone */
	assert_int_equal(app_tls_server_hello(chrome34_sh, sizeof(chrome34_sh),
	    &t), APP_DONE);
	assert_int_equal(t.server_version, 0x0303);
	assert_int_equal(t.server_cipher, 0xc02f);
	assert_int_equal(t.max_version, 0x0303);

	/* TLS 1.3: legacy 0x0303, supported_versions says 0x0304 */
	assert_int_equal(app_tls_server_hello(ech_sh, sizeof(ech_sh), &t),
	    APP_DONE);
	assert_int_equal(t.server_version, 0x0304);
	assert_int_equal(t.server_cipher, 0x1301);
	shlen = 5 + ((size_t)ech_sh[3] << 8 | ech_sh[4]);
	for (i = 0; i < shlen; i++) {
		b = dup_exact(ech_sh, i);
		assert_int_equal(app_tls_server_hello(b, i, &t), APP_MORE);
		free(b);
	}
	/* an alert instead of a ServerHello */
	assert_int_equal(app_tls_server_hello((const uint8_t *)
	    "\x15\x03\x03\x00\x02\x02\x28", 7, &t), APP_BAD);
}

static void
test_tls_bad(void **state)
{
	struct app_tls	 t;

	(void)state;
	assert_int_equal(tls_ch((const uint8_t *)"GET / HTTP/1.1\r\n", 16, &t),
	    APP_BAD);
	assert_int_equal(tls_ch((const uint8_t *)"\x16\x02", 2, &t), APP_BAD);
	/* an empty record is skipped (test_tls_empty_records): more */
	assert_int_equal(tls_ch((const uint8_t *)"\x16\x03\x01\x00\x00", 5,
	    &t), APP_MORE);
	/* a ServerHello is not a ClientHello */
	assert_int_equal(tls_ch(ech_sh, sizeof(ech_sh), &t), APP_BAD);
	assert_int_equal(app_tls_server_hello(chrome34_ch,
	    sizeof(chrome34_ch), &t), APP_BAD);
	assert_int_equal(tls_ch((const uint8_t *)"\x80\x2e\x02", 3, &t),
	    APP_BAD);
	assert_int_equal(tls_ch((const uint8_t *)"", 0, &t), APP_MORE);
}

static void
test_tls_version_names(void **state)
{
	(void)state;
	assert_string_equal(app_tls_version_name(0x0300), "SSLv3");
	assert_string_equal(app_tls_version_name(0x0301), "TLS 1.0");
	assert_string_equal(app_tls_version_name(0x0302), "TLS 1.1");
	assert_string_equal(app_tls_version_name(0x0303), "TLS 1.2");
	assert_string_equal(app_tls_version_name(0x0304), "TLS 1.3");
	assert_string_equal(app_tls_version_name(0x7f1c), "unknown");
	assert_string_equal(app_tls_version_name(0), "unknown");
}

static int
dns(const uint8_t *p, size_t len, struct app_dns *d)
{
	uint8_t	*b = dup_exact(p, len);
	int	 rc = app_dns_parse(b, len, d);

	free(b);
	return (rc);
}

static void
test_dns_capture(void **state)
{
	struct app_dns	 d;
	size_t		 i;

	(void)state;
	assert_int_equal(dns(dns_udp_q, sizeof(dns_udp_q), &d), APP_DONE);
	assert_int_equal(d.id, 0x5934);
	assert_int_equal(d.qr, 0);
	assert_int_equal(d.opcode, 0);
	assert_int_equal(d.qdcount, 1);
	assert_int_equal(d.ancount, 0);
	assert_int_equal(d.qtype, 1);
	assert_string_equal(d.qname, "www.tcpdump.org");

	assert_int_equal(dns(dns_udp_r, sizeof(dns_udp_r), &d), APP_DONE);
	assert_int_equal(d.qr, 1);
	assert_int_equal(d.rcode, 0);
	assert_int_equal(d.ancount, 2);
	assert_string_equal(d.qname, "www.tcpdump.org");
	assert_string_equal(app_dns_rrtype_name(d.qtype), "A");
	assert_string_equal(app_dns_rcode_name(d.rcode), "NOERROR");
	/* header, 17-byte name, type and class: 33 bytes are needed */
	for (i = 0; i < sizeof(dns_udp_r); i++)
		assert_int_equal(dns(dns_udp_r, i, &d),
		    i >= 33 ? APP_DONE : APP_BAD);

	assert_int_equal(dns(dns_tcp_q + 2, sizeof(dns_tcp_q) - 2, &d),
	    APP_DONE);
	assert_int_equal(d.id, 0x4319);
	assert_string_equal(d.qname, "www.tcpdump.org");

	assert_int_equal(dns(dns_cookie_r, sizeof(dns_cookie_r), &d),
	    APP_DONE);
	assert_string_equal(d.qname, "<Root>");
	assert_int_equal(d.qtype, 6);
	assert_int_equal(d.rcode, 7);	/* BADCOOKIE (23) & 0xf, as tshark */
	assert_string_equal(app_dns_rrtype_name(d.qtype), "SOA");

	assert_int_equal(dns(dns_txt_r, sizeof(dns_txt_r), &d), APP_DONE);
	assert_string_equal(d.qname,
	    "txtpadding_323.n1.netalyzr.icsi.berkeley.edu");
	assert_string_equal(app_dns_rrtype_name(d.qtype), "TXT");
}

/* The answers of a message: every one, as tshark decodes the capture. */
static int
dns_answers(const uint8_t *p, size_t len, struct app_dns_rr *rr, int max)
{
	uint8_t			*b = dup_exact(p, len);
	struct app_dns		 d;
	struct app_dns_iter	 it = { 0, 0 };
	int			 n = 0, rc;

	if (app_dns_parse(b, len, &d) != APP_DONE) {
		free(b);
		return (-2);
	}
	while (n < max && (rc = app_dns_answer(&d, &it, &rr[n])) == 1)
		n++;
	free(b);
	return (n < max && rc == -1 ? -1 : n);
}

static void
test_dns_answers(void **state)
{
	struct app_dns_rr	rr[DNS_ANSWERS_MAX + 1];
	struct app_dns		d;
	struct app_dns_iter	it = { 0, 0 };
	size_t			i;

	(void)state;
	/* td_dns_udp.pcap frame 2: two A answers (then NS, additionals) */
	assert_int_equal(dns_answers(dns_udp_r, sizeof(dns_udp_r), rr,
	    DNS_ANSWERS_MAX + 1), 2);
	assert_string_equal(rr[0].rrname, "www.tcpdump.org");
	assert_int_equal(rr[0].type, 1);
	assert_int_equal(rr[0].ttl, 60);
	assert_string_equal(rr[0].rdata, "192.139.46.66");
	assert_string_equal(rr[1].rdata, "198.199.88.104");
	/* zeek_ipv6-fragmented-dns.pcap frame 2: TXT, its first string */
	assert_int_equal(dns_answers(dns_txt_r, sizeof(dns_txt_r), rr,
	    DNS_ANSWERS_MAX + 1), 1);
	assert_string_equal(rr[0].rrname,
	    "txtpadding_323.n1.netalyzr.icsi.berkeley.edu");
	assert_int_equal(rr[0].type, 16);
	assert_int_equal(rr[0].ttl, 1);
	assert_string_equal(rr[0].rdata, "This TXT record should be ignored");
	{
		/* A TXT string with a number after an escaped byte. */
		static const uint8_t txt[] = {
			0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,
			1, 'a', 0, 0, 16, 0, 1,
			0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 1, 0, 16,
			15, 'i', 'd', 1, '0', '7', '9', '1', '2', '3', '4',
			'5', '6', '7', '8', '9'
		};

		assert_int_equal(dns_answers(txt, sizeof(txt), rr, 1), 1);
		assert_string_equal(rr[0].rdata, "id\\x01079*******89");
	}
	/* A query has none. */
	assert_int_equal(dns_answers(dns_udp_q, sizeof(dns_udp_q), rr, 1), 0);
	/* Every cut of the response: no read past it (ASan), the answers
	 * that ended before the cut, then -1 for the one cut. */
	for (i = 33; i < sizeof(dns_udp_r); i++) {
		int n = dns_answers(dns_udp_r, i, rr, DNS_ANSWERS_MAX + 1);

		assert_true(n == -1 || n == 2);
		if (i < 49)
			assert_int_equal(n, -1);
	}
	/* The message's bytes gone (app_emit clears msg): no answers. */
	assert_int_equal(app_dns_parse(dns_udp_r, sizeof(dns_udp_r), &d),
	    APP_DONE);
	d.msg = NULL;
	assert_int_equal(app_dns_answer(&d, &it, &rr[0]), 0);
	{
		/* Three questions, the second and third pointers to the
		 * first's name (passed over, not decoded), then the answer;
		 * a pointer past the message, or a label running past it,
		 * in a later question stops the answers there. */
		uint8_t m[] = {
			0x00, 0x01, 0x81, 0x80, 0x00, 0x03, 0x00, 0x01,
			0x00, 0x00, 0x00, 0x00,
			0x01, 'a', 0x02, 'b', 'c', 0x00, 0x00, 0x01, 0x00, 0x01,
			0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01,
			0xc0, 0x0e, 0x00, 0x1c, 0x00, 0x01,
			0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00,
			0x3c, 0x00, 0x04, 192, 0, 2, 7 };

		assert_int_equal(dns_answers(m, sizeof(m), rr, 2), 1);
		assert_string_equal(rr[0].rrname, "a.bc");
		assert_string_equal(rr[0].rdata, "192.0.2.7");
		m[29] = 0xff;		/* the third question's pointer */
		assert_int_equal(dns_answers(m, sizeof(m), rr, 2), -1);
		m[29] = 0x0e;
		m[28] = 0x3f;		/* a 63-byte label, past the end */
		assert_int_equal(dns_answers(m, sizeof(m), rr, 2), -1);
	}
	{
		/* 50 answers, each well formed: the first DNS_ANSWERS_MAX
		 * decoded, the rest never walked. */
		static const uint8_t hdr[] = {
			0x00, 0x01, 0x81, 0x80, 0x00, 0x01, 0x00, 50,
			0x00, 0x00, 0x00, 0x00,
			0x01, 'a', 0x02, 'b', 'c', 0x00, 0x00, 0x01, 0x00, 0x01,
		};
		static const uint8_t ans[] = {
			0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00,
			0x3c, 0x00, 0x04, 192, 0, 2, 0 };
		uint8_t	m[sizeof(hdr) + 50 * sizeof(ans)];
		struct app_dns_rr many[60];

		memcpy(m, hdr, sizeof(hdr));
		for (i = 0; i < 50; i++) {
			memcpy(m + sizeof(hdr) + i * sizeof(ans), ans,
			    sizeof(ans));
			m[sizeof(hdr) + i * sizeof(ans) + 15] = (uint8_t)i;
		}
		assert_int_equal(dns_answers(m, sizeof(m), many, 60),
		    DNS_ANSWERS_MAX);
		assert_string_equal(many[DNS_ANSWERS_MAX - 1].rdata,
		    "192.0.2.7");
	}
}

static void
test_dns_compression(void **state)
{
	/* ancount/nscount spell the name "a" at offset 6 */
	static const uint8_t back[] = {
		0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x01, 'a', 0x00, 0x00,
		0x00, 0x00, 0x03, 'w', 'w', 'w', 0xc0, 0x06, 0x00, 0x1c,
		0x00, 0x01,
	};
	/* "a" then a pointer to the start of the same name */
	static const uint8_t loop[] = {
		0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x01, 'a', 0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01,
	};
	/* a pointer to a name after it: followed, as resolvers do */
	static const uint8_t fwd[] = {
		0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0xc0, 0x12, 0x00, 0x01, 0x00, 0x01, 0x01, 'b',
		0x00,
	};
	struct app_dns	 d;

	(void)state;
	assert_int_equal(dns(back, sizeof(back), &d), APP_DONE);
	assert_string_equal(d.qname, "www.a");
	assert_int_equal(d.qtype, 28);
	assert_string_equal(app_dns_rrtype_name(d.qtype), "AAAA");
	assert_int_equal(dns(loop, sizeof(loop), &d), APP_BAD);
	assert_int_equal(dns(fwd, sizeof(fwd), &d), APP_DONE);
	assert_string_equal(d.qname, "b");
	assert_int_equal(dns(dns_zlip, sizeof(dns_zlip), &d), APP_BAD);
}

static void
test_dns_names(void **state)
{
	uint8_t		 m[600];
	struct app_dns	 d;
	size_t		 o, i, k;

	(void)state;
	memset(m, 0, 12);
	m[5] = 1;
	/* bytes outside printable ASCII and dots inside labels are escaped */
	o = 12;
	memcpy(m + o, "\x04\x01" "a.b" "\x03" "c\\d" "\x00\x00\x10\x00\x01",
	    14);
	assert_int_equal(dns(m, 12 + 14, &d), APP_DONE);
	assert_string_equal(d.qname, "\\x01a\\x2eb.c\\x5cd");

	/* a citizen-ID number after an escape: to the writer the escape's
	 * digits would make the run 14 long and no number's */
	o = 12;
	memcpy(m + o, "\x0e" "a\x10" "079123456789" "\x00\x00\x01\x00\x01",
	    20);
	assert_int_equal(dns(m, 12 + 20, &d), APP_DONE);
	assert_string_equal(d.qname, "a\\x10079*******89");

	/* 255 bytes on the wire is the limit: 3 * 64 + 62 + 1 */
	for (k = 61; k <= 62; k++) {
		o = 12;
		for (i = 0; i < 4; i++) {
			m[o] = (uint8_t)(i < 3 ? 63 : k);
			memset(m + o + 1, 'x', m[o]);
			o += 1 + m[o];
		}
		m[o++] = 0;
		memcpy(m + o, "\x00\x01\x00\x01", 4);
		assert_int_equal(dns(m, o + 4, &d), k == 61 ? APP_DONE : APP_BAD);
		if (k == 61)
			assert_int_equal(strlen(d.qname), 3 * 64 + 61);
	}

	/* a long name of escapes keeps its end, cut at a character
	 * boundary: 63 escapes of 4 characters, and no room for the dot
	 * and the escape before them (a name does not start with a dot) */
	o = 12;
	for (i = 0; i < 3; i++) {
		m[o++] = 63;
		memset(m + o, 0x01, 63);
		o += 63;
	}
	m[o++] = 0;
	memcpy(m + o, "\x00\x01\x00\x01", 4);
	assert_int_equal(dns(m, o + 4, &d), APP_DONE);
	assert_int_equal(strlen(d.qname), 63 * 4);
	assert_memory_equal(d.qname, "\\x01", 4);

	/* the domain after a label of 60 binary bytes (iodine's base128)
	 * is kept: cut at its head, the name lost it and every rule on it */
	o = 12;
	m[o++] = 60;
	memset(m + o, 0xbc, 60);
	o += 60;
	memcpy(m + o, "\x02" "c2" "\x04" "evil" "\x07" "example" "\x00", 17);
	o += 17;
	memcpy(m + o, "\x00\x01\x00\x01", 4);
	assert_int_equal(dns(m, o + 4, &d), APP_DONE);
	/* 60 escapes and the domain are 256: one escape less */
	assert_int_equal(strlen(d.qname), 59 * 4 + 16);
	assert_string_equal(d.qname + 59 * 4, ".c2.evil.example");
	assert_memory_equal(d.qname, "\\xbc", 4);

	/* an extended label type */
	memcpy(m + 12, "\x41" "a\x00\x00\x01\x00\x01", 7);
	assert_int_equal(dns(m, 19, &d), APP_BAD);

	/* no question */
	m[5] = 0;
	assert_int_equal(dns(m, 12, &d), APP_DONE);
	assert_string_equal(d.qname, "");
	assert_int_equal(dns(m, 11, &d), APP_BAD);
}

/*
 * Names of random labels against the rule written out plainly: each
 * byte as it is or as \xHH, labels joined by '.', and a text of more
 * than 255 characters cut after the first pieces (a byte's form or a
 * dot) and any dot after them, so that the rest fits: its end is kept.
 * Labels of plain bytes, of escapes and of both, short and up to 63,
 * names up to the 255 bytes a name may take on the wire.
 */
static void
test_dns_names_random(void **state)
{
	uint8_t		 m[600], c;
	char		 want[1024], piece[8];
	struct app_dns	 d;
	uint32_t	 x = 99991;
	size_t		 o, wl, l, j, n, wire, at;
	int		 i;

	(void)state;
	memset(m, 0, 12);
	m[5] = 1;
	for (i = 0; i < 20000; i++) {
		o = 12;
		wire = 1;
		wl = 0;
		want[0] = '\0';
		for (;;) {
			x = x * 1103515245U + 12345U;
			l = 1 + (x >> 8) % (i % 4 == 0 ? 63 : 12);
			if (wire + 1 + l > 255 || (wire > 1 && (x >> 20) % 4 == 0))
				break;
			m[o++] = (uint8_t)l;
			wire += 1 + l;
			if (wl > 0)
				want[wl++] = '.';
			for (j = 0; j < l; j++) {
				x = x * 1103515245U + 12345U;
				/* plain mostly; escapes in a third of names */
				if (i % 3 == 0 && (x >> 24) % 5 == 0)
					c = (uint8_t)"\x00\x20.\\\x7f\xff"[(x >> 16) % 6];
				else
					c = (uint8_t)('a' + (x >> 16) % 26);
				m[o++] = c;
				if (c > 0x20 && c < 0x7f && c != '.' && c != '\\')
					snprintf(piece, sizeof(piece), "%c", c);
				else
					snprintf(piece, sizeof(piece), "\\x%02x", c);
				n = strlen(piece);
				memcpy(want + wl, piece, n);
				wl += n;
			}
			want[wl] = '\0';
		}
		for (at = 0; at < wl && (wl - at >= 256 || want[at] == '.');)
			at += want[at] == '\\' ? 4 : 1;
		memmove(want, want + at, wl - at + 1);
		m[o++] = 0;
		memcpy(m + o, "\x00\x01\x00\x01", 4);
		assert_int_equal(dns(m, o + 4, &d), APP_DONE);
		if (strcmp(d.qname, want) != 0)
			fail_msg("name %d: %s, expected %s", i, d.qname, want);
	}
}

static void
test_dns_tables(void **state)
{
	(void)state;
	assert_string_equal(app_dns_rrtype_name(2), "NS");
	assert_string_equal(app_dns_rrtype_name(5), "CNAME");
	assert_string_equal(app_dns_rrtype_name(12), "PTR");
	assert_string_equal(app_dns_rrtype_name(15), "MX");
	assert_string_equal(app_dns_rrtype_name(33), "SRV");
	assert_string_equal(app_dns_rrtype_name(35), "NAPTR");
	assert_string_equal(app_dns_rrtype_name(41), "OPT");
	assert_string_equal(app_dns_rrtype_name(43), "DS");
	assert_string_equal(app_dns_rrtype_name(46), "RRSIG");
	assert_string_equal(app_dns_rrtype_name(47), "NSEC");
	assert_string_equal(app_dns_rrtype_name(48), "DNSKEY");
	assert_string_equal(app_dns_rrtype_name(64), "SVCB");
	assert_string_equal(app_dns_rrtype_name(65), "HTTPS");
	assert_string_equal(app_dns_rrtype_name(252), "AXFR");
	assert_string_equal(app_dns_rrtype_name(255), "ANY");
	assert_string_equal(app_dns_rrtype_name(4242), "unknown");
	assert_string_equal(app_dns_rcode_name(1), "FORMERR");
	assert_string_equal(app_dns_rcode_name(2), "SERVFAIL");
	assert_string_equal(app_dns_rcode_name(3), "NXDOMAIN");
	assert_string_equal(app_dns_rcode_name(4), "NOTIMP");
	assert_string_equal(app_dns_rcode_name(5), "REFUSED");
	assert_string_equal(app_dns_rcode_name(15), "unknown");
}

static int
http(const char *s, size_t len, struct app_http *h)
{
	uint8_t	*b = dup_exact(s, len);
	int	 rc = app_http_request(b, len, h);

	free(b);
	return (rc);
}

#define HTTP(s, h)	http((s), strlen(s), (h))

static void
test_http_requests(void **state)
{
	static const char two[] =
	    "GET /style/enhanced.css HTTP/1.1\r\n"
	    "Host: www.mozilla.org:8080\r\n"
	    "User-Agent: Mozilla/5.0 (Windows; U) Firefox/3.5.5\r\n"
	    "Accept: text/css,*/*;q=0.1\r\n"
	    "\r\n"
	    "GET /images/a.png HTTP/1.1\r\n"
	    "host: www.mozilla.org\r\n"
	    "\r\n";
	struct app_http	 h;
	size_t		 first, i;

	(void)state;
	assert_int_equal(HTTP(two, &h), APP_DONE);
	assert_string_equal(h.method, "GET");
	assert_string_equal(h.uri, "/style/enhanced.css");
	assert_string_equal(h.version, "HTTP/1.1");
	assert_string_equal(h.host, "www.mozilla.org");
	assert_string_equal(h.user_agent, "Mozilla/5.0 (Windows; U) Firefox/3.5.5");
	first = h.consumed;
	assert_int_equal(first, strstr(two, "\r\n\r\n") - two + 4);
	assert_int_equal(http(two + first, strlen(two) - first, &h), APP_DONE);
	assert_string_equal(h.uri, "/images/a.png");
	assert_string_equal(h.host, "www.mozilla.org");
	assert_string_equal(h.user_agent, "");
	assert_int_equal(first + h.consumed, strlen(two));
	/* every prefix of the first header is plausible */
	for (i = 0; i < first; i++)
		assert_int_equal(http(two, i, &h), APP_MORE);
	/* runs of spaces in the request line, as nginx takes them */
	{
		static const char sp[] = "GET   /secret   HTTP/1.1  \r\n"
		    "Host: c2.example\r\n\r\n";

		assert_int_equal(HTTP(sp, &h), APP_DONE);
		assert_string_equal(h.uri, "/secret");
		assert_string_equal(h.version, "HTTP/1.1");
		assert_string_equal(h.host, "c2.example");
		for (i = 0; i < sizeof(sp) - 1; i++)
			assert_int_equal(http(sp, i, &h), APP_MORE);
	}
	/* a proxy's absolute URI keeps its user, not its password */
	assert_int_equal(HTTP("GET http://alice:S3cretPw1@intra.example/r?a=1 "
	    "HTTP/1.1\r\nHost: intra.example\r\n\r\n", &h), APP_DONE);
	assert_string_equal(h.uri, "http://alice:***@intra.example/r?a=1");
	assert_int_equal(HTTP("GET https://b:p@x.example HTTP/1.1\r\n\r\n", &h),
	    APP_DONE);
	assert_string_equal(h.uri, "https://b:***@x.example");
	/* three characters are a password too (were kept as sent) */
	assert_int_equal(HTTP("GET http://b:p4s@x.example/ HTTP/1.1\r\n\r\n",
	    &h), APP_DONE);
	assert_string_equal(h.uri, "http://b:***@x.example/");
	/* no password, or an '@' past the authority: as sent */
	assert_int_equal(HTTP("GET http://bob@x.example/a:b@c HTTP/1.1\r\n\r\n",
	    &h), APP_DONE);
	assert_string_equal(h.uri, "http://bob@x.example/a:b@c");
	assert_int_equal(HTTP("GET /go?u=http://a:b@c HTTP/1.1\r\n\r\n", &h),
	    APP_DONE);
	assert_string_equal(h.uri, "/go?u=http://a:b@c");
}

static void
test_http_body_and_hosts(void **state)
{
	static const char post[] =
	    "POST /login HTTP/1.0\r\nContent-Length: 5\r\n"
	    "HOST:[2001:db8::1]:8443\r\n\r\nhelloGET / HTTP/1.1\r\n\r\n";
	struct app_http	 h;

	(void)state;
	assert_int_equal(HTTP(post, &h), APP_DONE);
	assert_string_equal(h.method, "POST");
	assert_string_equal(h.version, "HTTP/1.0");
	assert_string_equal(h.host, "[2001:db8::1]");
	assert_string_equal(post + h.consumed, "GET / HTTP/1.1\r\n\r\n");

	assert_int_equal(HTTP("GET / HTTP/1.1\r\nHost: [::1]\r\n\r\n", &h),
	    APP_DONE);
	assert_string_equal(h.host, "[::1]");
	assert_int_equal(HTTP("GET / HTTP/1.1\r\nHost:  a.example  \r\n\r\n",
	    &h), APP_DONE);
	assert_string_equal(h.host, "a.example");
	assert_int_equal(HTTP("GET / HTTP/1.1\r\nHost: ::1\r\n\r\n", &h),
	    APP_DONE);
	assert_string_equal(h.host, "::1");
	assert_int_equal(HTTP("GET / HTTP/1.1\nUSER-AGENT: curl/8.0\n\n", &h),
	    APP_DONE);
	assert_string_equal(h.user_agent, "curl/8.0");
	assert_int_equal(HTTP("PROPFIND /dav HTTP/1.1\r\n\r\n", &h), APP_DONE);
	assert_string_equal(h.method, "PROPFIND");
	/* an unusable Content-Length is not skipped */
	assert_int_equal(HTTP("PUT / HTTP/1.1\r\nContent-Length: x\r\n\r\nab",
	    &h), APP_DONE);
	assert_int_equal(h.consumed, 37);
}

/*
 * Content-Encoding as a list of codings, over repeated header lines:
 * undone last applied first (http_body.h's packing), identity ignored,
 * a coding that cannot be undone or more than three: none (raw).
 */
static void
test_http_codings(void **state)
{
#define G	HB_GZIP
#define D	HB_DEFLATE
#define L2(a, b)	((a) << HB_CODING_BITS | (b))
	static const struct {
		const char	*hdrs;
		unsigned	 want;
	} t[] = {
		{ "Content-Encoding: gzip\r\n", G },
		{ "content-encoding: X-GZIP\r\n", G },
		{ "Content-Encoding: deflate\r\n", D },
		{ "Content-Encoding: gzip, gzip\r\n", L2(G, G) },
		{ "Content-Encoding: gzip\r\nContent-Encoding: gzip\r\n",
		    L2(G, G) },
		{ "Content-Encoding: deflate,gzip\r\n", L2(D, G) },
		{ "Content-Encoding: gzip\r\nX: y\r\n"
		    "Content-Encoding: deflate\r\n", L2(G, D) },
		{ "Content-Encoding: gzip, identity\r\n", G },
		{ "Content-Encoding: identity, gzip\r\n", G },
		{ "Content-Encoding: gzip\r\nContent-Encoding: identity\r\n",
		    G },
		{ "Content-Encoding: , gzip ,\r\n", G },
		{ "Content-Encoding: gzip, deflate, gzip\r\n",
		    L2(L2(G, D), G) },
		{ "Content-Encoding: identity\r\n", HB_IDENTITY },
		{ "Content-Encoding: br\r\n", HB_IDENTITY },
		{ "Content-Encoding: gzip, br\r\n", HB_IDENTITY },
		{ "Content-Encoding: br\r\nContent-Encoding: gzip\r\n",
		    HB_IDENTITY },
		{ "Content-Encoding: gzip\r\nContent-Encoding: zstd\r\n",
		    HB_IDENTITY },
		{ "Content-Encoding: gzip, gzip, gzip, gzip\r\n", HB_IDENTITY },
		{ "Content-Encoding: gzipx\r\n", HB_IDENTITY },
	};
	struct app_http	 h;
	char		 req[256];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(req, sizeof(req), "POST / HTTP/1.1\r\n%s"
		    "Content-Length: 0\r\n\r\n", t[i].hdrs);
		assert_int_equal(HTTP(req, &h), APP_DONE);
		if (h.coding != t[i].want)
			fail_msg("%s: coding %u, want %u", t[i].hdrs,
			    h.coding, t[i].want);
	}
#undef G
#undef D
#undef L2
}

static void
test_http_bad_and_more(void **state)
{
	static char	 big[HTTP_HEADER_MAX + 10];
	struct app_http	 h;
	size_t		 n;

	(void)state;
	assert_int_equal(HTTP("GE", &h), APP_MORE);
	assert_int_equal(HTTP("GET / HTTP/1.1\r\nHost: a", &h), APP_MORE);
	assert_int_equal(HTTP("FOO / HTTP/1.1\r\n\r\n", &h), APP_BAD);
	assert_int_equal(HTTP("get / HTTP/1.1\r\n\r\n", &h), APP_BAD);
	assert_int_equal(HTTP("GET / HTTP/2.0\r\n\r\n", &h), APP_BAD);
	/* Runs of spaces: a request to nginx or Python's http.server (it
	 * answers them), read; once refused, so its host and URI went
	 * unread (test_http_requests). */
	assert_int_equal(HTTP("GET  / HTTP/1.1\r\n\r\n", &h), APP_DONE);
	assert_string_equal(h.uri, "/");
	assert_int_equal(HTTP("GET /a\tb HTTP/1.1\r\n\r\n", &h), APP_BAD);
	assert_int_equal(HTTP("GET / HTTP/1.1 \r\n\r\n", &h), APP_DONE);
	assert_string_equal(h.version, "HTTP/1.1");
	assert_int_equal(HTTP("GET / HTTP/1.1 x\r\n\r\n", &h), APP_BAD);
	assert_int_equal(http("\x16\x03\x01", 3, &h), APP_BAD);
	/* a header with no end by the buffer cap: report what is there */
	n = (size_t)snprintf(big, sizeof(big),
	    "GET /x HTTP/1.1\r\nHost: h.example\r\nCookie: ");
	memset(big + n, 'c', sizeof(big) - n);
	assert_int_equal(http(big, HTTP_HEADER_MAX - 1, &h), APP_MORE);
	assert_int_equal(http(big, HTTP_HEADER_MAX, &h), APP_DONE);
	assert_string_equal(h.host, "h.example");
	assert_int_equal(h.consumed, HTTP_HEADER_MAX);
	/* empty lines before the request line are skipped, a few */
	assert_int_equal(HTTP("\r\n\r\nGET /a HTTP/1.1\r\nHost: e.example\r\n\r\n",
	    &h), APP_DONE);
	assert_string_equal(h.uri, "/a");
	assert_int_equal(h.consumed, 4 + strlen("GET /a HTTP/1.1\r\nHost: "
	    "e.example\r\n\r\n"));
	assert_int_equal(HTTP("\r\n\r\n", &h), APP_MORE);
	assert_int_equal(HTTP("\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n",
	    &h), APP_BAD);
	/* an absolute-form target names the host; Host is ignored */
	assert_int_equal(HTTP("GET http://u@c2.evil.example:8080/x HTTP/1.1\r\n"
	    "Host: www.example.org\r\n\r\n", &h), APP_DONE);
	assert_string_equal(h.host, "c2.evil.example");
	/* a long URI is truncated */
	memcpy(big, "GET /", 5);
	memset(big + 5, 'u', 1000);
	memcpy(big + 1005, " HTTP/1.1\r\n\r\n", 13);
	assert_int_equal(http(big, 1018, &h), APP_DONE);
	assert_int_equal(strlen(h.uri), sizeof(h.uri) - 1);
}

static int
ssh(const char *s, struct app_ssh *o)
{
	size_t	 len = strlen(s);
	uint8_t	*b = dup_exact(s, len);
	int	 rc = app_ssh_banner(b, len, o);

	free(b);
	return (rc);
}

static void
test_ssh_banner(void **state)
{
	static const char pre[] = "Welcome to the box\r\nAuthorized use only\r\n"
	    "SSH-1.99-Cisco-1.25\r\n";
	struct app_ssh	 s;
	char		 line[400];
	size_t		 i;

	(void)state;
	assert_int_equal(ssh("SSH-2.0-OpenSSH_6.7p1 Debian-3\r\n", &s),
	    APP_DONE);
	assert_string_equal(s.proto_version, "2.0");
	assert_string_equal(s.software, "OpenSSH_6.7p1");
	assert_string_equal(s.comments, "Debian-3");
	assert_int_equal(ssh(pre, &s), APP_DONE);
	assert_string_equal(s.proto_version, "1.99");
	assert_string_equal(s.software, "Cisco-1.25");
	assert_string_equal(s.comments, "");
	for (i = 0; i < sizeof(pre) - 1; i++) {
		memcpy(line, pre, i);
		line[i] = '\0';
		assert_int_equal(ssh(line, &s), APP_MORE);
	}
	assert_int_equal(ssh("SSH-2.0-dropbear_2019.78\n", &s), APP_DONE);
	assert_string_equal(s.software, "dropbear_2019.78");
	assert_int_equal(ssh("SSH--x\r\n", &s), APP_BAD);
	assert_int_equal(ssh("SSH-2.0-\r\n", &s), APP_BAD);
	assert_int_equal(ssh("SSH-2.0\r\n", &s), APP_BAD);
	assert_int_equal(ssh("SSH-2.x-a\r\n", &s), APP_BAD);
	assert_int_equal(ssh("\x16\x03\x01\x02", &s), APP_BAD);
	memcpy(line, "SSH-2.0-", 8);
	memset(line + 8, 'a', 300);
	line[308] = '\0';
	assert_int_equal(ssh(line, &s), APP_BAD);
	line[300] = '\n';
	line[301] = '\0';
	assert_int_equal(ssh(line, &s), APP_BAD);
}

static int
plain(enum app_proto a, int dir, const char *s, struct app_plain *o)
{
	size_t	 len = strlen(s);
	uint8_t	*b = dup_exact(s, len);
	int	 rc = app_plain_parse(a, dir, b, len, o);

	free(b);
	return (rc);
}

#define SEEN(o)		((o).seen & 0x3f)

static void
test_plain_ftp(void **state)
{
	struct app_plain o;

	(void)state;
	memset(&o, 0, sizeof(o));
	assert_int_equal(plain(APP_FTP, 1, "220 redmint FTP server (Version "
	    "6.4/OpenBSD/Linux-ftpd-0.17) ready.\r\n", &o), APP_DONE);
	assert_int_equal(o.proto, APP_FTP);
	assert_int_equal(SEEN(o), PLAIN_BANNER);
	assert_int_equal(plain(APP_FTP, 0, "USER bro\r\n", &o), APP_DONE);
	assert_int_equal(SEEN(o), PLAIN_BANNER | PLAIN_USER);
	assert_string_equal(o.user, "bro");
	assert_string_equal(o.command, "USER");
	assert_int_equal(plain(APP_FTP, 1, "331 Password required for bro.\r\n",
	    &o), APP_MORE);
	assert_int_equal(plain(APP_FTP, 0, "PASS 1\r\n", &o), APP_DONE);
	assert_int_equal(SEEN(o), PLAIN_BANNER | PLAIN_USER | PLAIN_PASS);
	assert_string_equal(o.user, "bro");
	assert_string_equal(o.command, "PASS");
	assert_int_equal(plain(APP_FTP, 0, "QUIT\r\n", &o), APP_MORE);

	memset(&o, 0, sizeof(o));
	assert_int_equal(plain(APP_FTP, 0, "user alice\r\npass secret\r\n",
	    &o), APP_DONE);
	assert_int_equal(SEEN(o), PLAIN_USER | PLAIN_PASS);
	assert_string_equal(o.user, "alice");
	assert_null(strstr(o.command, "secret"));
	assert_int_equal(plain(APP_FTP, 0, "AUTH TLS\r\n", &o), APP_DONE);
	assert_true(o.seen & PLAIN_STARTTLS);
	assert_int_equal(plain(APP_FTP, 0, "\x16\x03\x01\x00\x05", &o),
	    APP_BAD);
	memset(&o, 0, sizeof(o));
	assert_int_equal(plain(APP_FTP, 1, "hello there\r\n", &o), APP_BAD);
	/* shaped like a command: unknown, not proof of another protocol */
	assert_int_equal(plain(APP_FTP, 0, "GET / HTTP/1.1\r\n", &o), APP_MORE);
	assert_int_equal(plain(APP_FTP, 0, "<html>\r\n", &o), APP_BAD);
}

static void
test_plain_pop3(void **state)
{
	struct app_plain o;

	(void)state;
	memset(&o, 0, sizeof(o));
	assert_int_equal(plain(APP_POP3, 1, "+OK POP3 server ready\r\n", &o),
	    APP_DONE);
	assert_int_equal(SEEN(o), PLAIN_BANNER);
	assert_int_equal(plain(APP_POP3, 0, "CAPA\r\n", &o), APP_MORE);
	assert_int_equal(plain(APP_POP3, 0, "USER bob\r\n", &o), APP_DONE);
	assert_int_equal(plain(APP_POP3, 0, "PASS x\r\n", &o), APP_DONE);
	assert_int_equal(SEEN(o), PLAIN_BANNER | PLAIN_USER | PLAIN_PASS);
	assert_string_equal(o.user, "bob");

	memset(&o, 0, sizeof(o));
	assert_int_equal(plain(APP_POP3, 0, "APOP mrose "
	    "c4c9334bac560ecc979e58001b3e22fb\r\n", &o), APP_DONE);
	assert_int_equal(SEEN(o), PLAIN_USER | PLAIN_AUTH);
	assert_string_equal(o.user, "mrose");
	assert_int_equal(plain(APP_POP3, 0, "STLS\r\n", &o), APP_DONE);
	assert_true(o.seen & PLAIN_STARTTLS);

	memset(&o, 0, sizeof(o));
	assert_int_equal(plain(APP_POP3, 0,
	    "AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm\r\n", &o), APP_DONE);
	assert_int_equal(SEEN(o), PLAIN_AUTH | PLAIN_USER | PLAIN_PASS);
	assert_string_equal(o.user, "tim");
	memset(&o, 0, sizeof(o));
	assert_int_equal(plain(APP_POP3, 1, "-ERR go away\r\n", &o), APP_MORE);
	assert_int_equal(plain(APP_POP3, 1, "* OK\r\n", &o), APP_BAD);
}

static void
test_plain_imap(void **state)
{
	struct app_plain o;

	(void)state;
	memset(&o, 0, sizeof(o));
	assert_int_equal(plain(APP_IMAP, 1, "* OK [CAPABILITY IMAP4rev1] "
	    "ready\r\n", &o), APP_DONE);
	assert_int_equal(SEEN(o), PLAIN_BANNER);
	assert_int_equal(plain(APP_IMAP, 0, "a1 CAPABILITY\r\n", &o),
	    APP_MORE);
	assert_int_equal(plain(APP_IMAP, 0, "a2 login joe secret\r\n", &o),
	    APP_DONE);
	assert_int_equal(SEEN(o), PLAIN_BANNER | PLAIN_USER | PLAIN_PASS);
	assert_string_equal(o.user, "joe");
	assert_string_equal(o.command, "login");

	memset(&o, 0, sizeof(o));
	assert_int_equal(plain(APP_IMAP, 0, "x LOGIN \"john doe\" \"pw\"\r\n",
	    &o), APP_DONE);
	assert_string_equal(o.user, "john doe");
	memset(&o, 0, sizeof(o));
	/* a quote never closed: the rest is the password too, not copied */
	memset(&o, 0, sizeof(o));
	assert_int_equal(plain(APP_IMAP, 0, "a1 LOGIN \"dave S3cretPw6\r\n", &o),
	    APP_DONE);
	assert_string_equal(o.user, "");
	assert_int_equal(plain(APP_IMAP, 0, "x LOGIN {4}\r\n", &o), APP_DONE);
	assert_int_equal(SEEN(o), PLAIN_USER | PLAIN_PASS);
	assert_string_equal(o.user, "");

	/* AUTHENTICATE PLAIN, the response on the next line */
	memset(&o, 0, sizeof(o));
	assert_int_equal(plain(APP_IMAP, 0, "a3 AUTHENTICATE PLAIN\r\n", &o),
	    APP_DONE);
	assert_int_equal(SEEN(o), PLAIN_AUTH);
	/* a server stream must start with a greeting */
	assert_int_equal(plain(APP_IMAP, 1, "+ \r\n", &o), APP_BAD);
	assert_int_equal(plain(APP_IMAP, 1, "* OK hi\r\n", &o), APP_DONE);
	assert_int_equal(plain(APP_IMAP, 1, "+ \r\n", &o), APP_MORE);
	assert_int_equal(plain(APP_IMAP, 0, "AGFsaWNlAHB3\r\n", &o), APP_DONE);
	assert_int_equal(SEEN(o), PLAIN_BANNER | PLAIN_AUTH | PLAIN_USER |
	    PLAIN_PASS);
	assert_string_equal(o.user, "alice");
	assert_int_equal(plain(APP_IMAP, 0, "a4 STARTTLS\r\n", &o), APP_DONE);
	assert_true(o.seen & PLAIN_STARTTLS);
}

static void
test_plain_smtp(void **state)
{
	struct app_plain o;

	(void)state;
	memset(&o, 0, sizeof(o));
	assert_int_equal(plain(APP_SMTP, 1, "220 mail.example.org ESMTP "
	    "Postfix\r\n", &o), APP_DONE);
	assert_int_equal(plain(APP_SMTP, 0, "EHLO client\r\n", &o), APP_MORE);
	assert_int_equal(plain(APP_SMTP, 1, "250-mail.example.org\r\n"
	    "250-AUTH PLAIN LOGIN\r\n250 STARTTLS\r\n", &o), APP_MORE);
	assert_int_equal(plain(APP_SMTP, 0, "AUTH PLAIN AGFsaWNlAHB3\r\n"
	    "MAIL FROM:<alice@example.org>\r\n", &o), APP_DONE);
	assert_int_equal(SEEN(o), PLAIN_BANNER | PLAIN_AUTH | PLAIN_USER |
	    PLAIN_PASS);
	assert_string_equal(o.user, "alice");
	assert_string_equal(o.command, "AUTH");

	/* message text after DATA is not read as commands */
	memset(&o, 0, sizeof(o));
	assert_int_equal(plain(APP_SMTP, 0, "DATA\r\nSTARTTLS\r\n"
	    "AUTH LOGIN\r\n", &o), APP_MORE);
	assert_int_equal(SEEN(o), 0);
	assert_int_equal(plain(APP_SMTP, 0, "more text\r\n.\r\nSTARTTLS\r\n",
	    &o), APP_DONE);
	assert_int_equal(SEEN(o), PLAIN_STARTTLS);
	memset(&o, 0, sizeof(o));
	assert_int_equal(plain(APP_SMTP, 0, "AUTH LOGIN\r\n", &o), APP_DONE);
	assert_int_equal(SEEN(o), PLAIN_AUTH);
}

/* Feed s one byte per call, as a character-mode telnet client does. */
static int
telnet_typed(const char *s, struct app_plain *o)
{
	int	 rc = APP_MORE;

	for (; *s != '\0'; s++)
		if (app_plain_parse(APP_TELNET, 0, (const uint8_t *)s, 1, o) ==
		    APP_DONE)
			rc = APP_DONE;
	return (rc);
}

static void
test_plain_telnet(void **state)
{
	static const uint8_t sb[] = { 0xff, 0xfa, 0x18, 0x00, 'x', 't', 'e',
	    'r', 'm', 0xff, 0xf0 };
	static const uint8_t prompt[] = { 0xff, 0xfb, 0x01, 0xff, 0xfb, 0x03,
	    '\r', '\n', 'b', 'o', 'x', ' ', 'l', 'o', 'g', 'i', 'n', ':', ' ' };
	struct app_plain o;

	(void)state;
	memset(&o, 0, sizeof(o));
	/* sv_telnet-01_telnet.pcap: negotiation only */
	assert_int_equal(app_plain_parse(APP_TELNET, 0, telnet_c1,
	    sizeof(telnet_c1), &o), APP_MORE);
	assert_int_equal(app_plain_parse(APP_TELNET, 1, telnet_s1,
	    sizeof(telnet_s1), &o), APP_MORE);
	assert_int_equal(app_plain_parse(APP_TELNET, 0, sb, sizeof(sb), &o),
	    APP_MORE);
	assert_int_equal(SEEN(o), 0);
	assert_int_equal(app_plain_parse(APP_TELNET, 1, prompt, sizeof(prompt),
	    &o), APP_DONE);
	assert_int_equal(SEEN(o), PLAIN_BANNER);
	/* one keystroke per segment; the name is reported at its line end */
	assert_int_equal(telnet_typed("roox\x7ft", &o), APP_MORE);
	assert_int_equal(SEEN(o), PLAIN_BANNER);
	assert_int_equal(telnet_typed("\r", &o), APP_DONE);
	assert_int_equal(SEEN(o), PLAIN_BANNER | PLAIN_USER);
	assert_string_equal(o.user, "root");
	assert_string_equal(o.command, "login");
	assert_int_equal(plain(APP_TELNET, 1, "\r\nPassword: ", &o), APP_MORE);
	assert_int_equal(telnet_typed("hunter2\r\n", &o), APP_DONE);
	assert_int_equal(SEEN(o), PLAIN_BANNER | PLAIN_USER | PLAIN_PASS);
	assert_string_equal(o.user, "root");
	assert_int_equal(telnet_typed("ls\r\n", &o), APP_MORE);
	assert_string_equal(o.user, "root");
	/* a line-mode client sends the whole line at once */
	memset(&o, 0, sizeof(o));
	assert_int_equal(plain(APP_TELNET, 1, "Username: ", &o), APP_DONE);
	assert_int_equal(plain(APP_TELNET, 0, "admin\r\n", &o), APP_DONE);
	assert_int_equal(SEEN(o), PLAIN_BANNER | PLAIN_USER);
	assert_string_equal(o.user, "admin");
	/*
	 * Only a line after a user name prompt is a user name: with no
	 * prompt, or after "Passcode:", "Mật khẩu:" or a "Password:" cut
	 * over two segments, the line may be the secret: not copied.
	 */
	memset(&o, 0, sizeof(o));
	assert_int_equal(plain(APP_TELNET, 0, "S3cretPw0\r\n", &o), APP_MORE);
	assert_string_equal(o.user, "");
	assert_int_equal(SEEN(o), 0);
	memset(&o, 0, sizeof(o));
	assert_int_equal(plain(APP_TELNET, 1, "\r\nPasscode: ", &o), APP_MORE);
	assert_int_equal(telnet_typed("S3cretPw1\r", &o), APP_DONE);
	assert_int_equal(SEEN(o), PLAIN_PASS);
	assert_string_equal(o.user, "");
	memset(&o, 0, sizeof(o));
	assert_int_equal(plain(APP_TELNET, 1, "M\xe1\xba\xadt kh\xe1\xba\xa9u: ",
	    &o), APP_MORE);
	assert_int_equal(plain(APP_TELNET, 0, "S3cretPw2\r\n", &o), APP_DONE);
	assert_int_equal(SEEN(o), PLAIN_PASS);
	assert_string_equal(o.user, "");
	memset(&o, 0, sizeof(o));
	assert_int_equal(plain(APP_TELNET, 1, "login: ", &o), APP_DONE);
	assert_int_equal(plain(APP_TELNET, 0, "root\r\n", &o), APP_DONE);
	assert_int_equal(plain(APP_TELNET, 1, "\r\nPass", &o), APP_MORE);
	assert_int_equal(plain(APP_TELNET, 1, "word: ", &o), APP_MORE);
	assert_int_equal(telnet_typed("S3cretPw3\r", &o), APP_DONE);
	assert_int_equal(SEEN(o), PLAIN_BANNER | PLAIN_USER | PLAIN_PASS);
	assert_string_equal(o.user, "root");
	/* an IAC cut at the end of a segment */
	assert_int_equal(app_plain_parse(APP_TELNET, 0,
	    (const uint8_t *)"\xff", 1, &o), APP_MORE);
	assert_int_equal(app_plain_parse(APP_TELNET, 0,
	    (const uint8_t *)"\xff\xfa\x18", 3, &o), APP_MORE);
}

static void
test_plain_snmp(void **state)
{
	struct app_plain o;
	uint8_t		 v2[sizeof(snmp_v1)];

	(void)state;
	memset(&o, 0, sizeof(o));
	assert_int_equal(app_plain_parse(APP_SNMP, 0, snmp_v1, sizeof(snmp_v1),
	    &o), APP_DONE);
	assert_int_equal(SEEN(o), PLAIN_COMMUNITY);
	assert_int_equal(o.snmp_version, 1);
	assert_string_equal(o.command, "get");
	assert_string_equal(o.user, "");	/* the community is not kept */

	memcpy(v2, snmp_v1, sizeof(v2));
	assert_int_equal(v2[4], 0x00);
	v2[4] = 0x01;
	memset(&o, 0, sizeof(o));
	assert_int_equal(app_plain_parse(APP_SNMP, 1, v2, sizeof(v2), &o),
	    APP_DONE);
	assert_int_equal(o.snmp_version, 2);

	memset(&o, 0, sizeof(o));
	assert_int_equal(app_plain_parse(APP_SNMP, 0, snmp_v3, sizeof(snmp_v3),
	    &o), APP_BAD);
	assert_int_equal(SEEN(o), 0);
	assert_int_equal(app_plain_parse(APP_SNMP, 0, dns_udp_q,
	    sizeof(dns_udp_q), &o), APP_BAD);
	assert_int_equal(app_plain_parse(APP_SNMP, 0, snmp_v1, 10, &o),
	    APP_BAD);
	assert_int_equal(app_plain_parse(APP_HTTP, 0, snmp_v1, 10, &o),
	    APP_BAD);
}

#define DET(proto, dir, s, sp, dp) \
	app_detect((proto), (dir), (const uint8_t *)(s), strlen(s), (sp), (dp))

static void
test_detect(void **state)
{
	(void)state;
	assert_int_equal(app_detect(PROTO_TCP, 0, chrome34_ch,
	    sizeof(chrome34_ch), 50000, 443), APP_TLS);
	/* content, not the port */
	assert_int_equal(app_detect(PROTO_TCP, 0, chrome34_ch,
	    sizeof(chrome34_ch), 50000, 80), APP_TLS);
	assert_int_equal(app_detect(PROTO_TCP, 1, chrome34_sh,
	    sizeof(chrome34_sh), 443, 50000), APP_TLS);
	assert_int_equal(app_detect(PROTO_TCP, 0, sslv2_ch, sizeof(sslv2_ch),
	    1, 2), APP_TLS);
	assert_int_equal(app_detect(PROTO_TCP, 0, chrome34_ch, 60, 1, 2),
	    APP_TLS);
	assert_int_equal(DET(PROTO_TCP, 0, "GET / HTTP/1.1\r\n", 1, 2),
	    APP_HTTP);
	assert_int_equal(DET(PROTO_TCP, 0, "OPTIONS * HTTP/1.1\r\n", 1, 443),
	    APP_HTTP);
	assert_int_equal(DET(PROTO_TCP, 1, "HTTP/1.1 200 OK\r\n", 80, 1),
	    APP_HTTP);
	assert_int_equal(DET(PROTO_TCP, 0, "SSH-2.0-OpenSSH_6.2\r\n", 1, 2),
	    APP_SSH);
	assert_int_equal(DET(PROTO_TCP, 1, "SSH-2.0-OpenSSH_6.7\r\n", 22, 1),
	    APP_SSH);
	assert_int_equal(DET(PROTO_TCP, 1, "Hello\r\n", 22, 1), APP_SSH);
	assert_int_equal(app_detect(PROTO_UDP, 0, dns_udp_q, sizeof(dns_udp_q),
	    40000, 53), APP_DNS);
	assert_int_equal(app_detect(PROTO_UDP, 1, dns_udp_r, sizeof(dns_udp_r),
	    9999, 40000), APP_DNS);
	assert_int_equal(app_detect(PROTO_TCP, 0, dns_tcp_q, sizeof(dns_tcp_q),
	    40000, 53), APP_DNS);
	assert_int_equal(app_detect(PROTO_UDP, 0, snmp_v1, sizeof(snmp_v1), 1,
	    161), APP_SNMP);
	assert_int_equal(app_detect(PROTO_UDP, 0, snmp_v3, sizeof(snmp_v3), 1,
	    2), APP_SNMP);
	assert_int_equal(app_detect(PROTO_TCP, 0, telnet_c1, sizeof(telnet_c1),
	    1550, 2323), APP_TELNET);
	assert_int_equal(DET(PROTO_TCP, 1, "220 redmint FTP server ready.\r\n",
	    2121, 1), APP_FTP);
	assert_int_equal(DET(PROTO_TCP, 1, "220 mx ESMTP Postfix\r\n", 2525, 1),
	    APP_SMTP);
	assert_int_equal(DET(PROTO_TCP, 1, "220 Welcome\r\n", 21, 1), APP_FTP);
	assert_int_equal(DET(PROTO_TCP, 1, "220 Welcome\r\n", 587, 1),
	    APP_SMTP);
	assert_int_equal(DET(PROTO_TCP, 1, "220 Welcome\r\n", 9999, 1),
	    APP_UNKNOWN);
	/* directions swapped (flow picked up mid-way) */
	assert_int_equal(DET(PROTO_TCP, 0, "220 Welcome\r\n", 21, 49185),
	    APP_FTP);
	assert_int_equal(app_detect(PROTO_TCP, 1, chrome34_ch,
	    sizeof(chrome34_ch), 443, 50000), APP_TLS);
	assert_int_equal(app_detect(PROTO_TCP, 0, ech_sh, sizeof(ech_sh),
	    443, 50000), APP_TLS);
	assert_int_equal(DET(PROTO_TCP, 1, "+OK ready\r\n", 1, 2), APP_POP3);
	assert_int_equal(DET(PROTO_TCP, 1, "* OK IMAP4rev1\r\n", 1, 2),
	    APP_IMAP);
	assert_int_equal(DET(PROTO_TCP, 0, "USER bob\r\n", 1, 21), APP_FTP);
	assert_int_equal(DET(PROTO_TCP, 0, "USER bob\r\n", 1, 110), APP_POP3);
	assert_int_equal(DET(PROTO_TCP, 0, "EHLO x\r\n", 1, 2), APP_SMTP);
	assert_int_equal(DET(PROTO_TCP, 0, "a1 LOGIN joe pw\r\n", 1, 2),
	    APP_IMAP);
	assert_int_equal(DET(PROTO_TCP, 0, "A001 CAPABILITY\r\n", 1, 2),
	    APP_IMAP);
	assert_int_equal(DET(PROTO_TCP, 0, "hello world\r\n", 1, 2),
	    APP_UNKNOWN);
	assert_int_equal(app_detect(PROTO_UDP, 0, (const uint8_t *)"\x01\x02",
	    2, 1, 2), APP_UNKNOWN);
	assert_int_equal(app_detect(PROTO_TCP, 0, NULL, 0, 1, 2), APP_UNKNOWN);
	assert_int_equal(app_detect(PROTO_ICMP, 0, dns_udp_q,
	    sizeof(dns_udp_q), 0, 0), APP_UNKNOWN);
}

static void
test_proto_names(void **state)
{
	static const char *const n[] = { "unknown", "tls", "dns", "http",
	    "ssh", "telnet", "ftp", "smtp", "pop3", "imap", "snmp", "quic" };
	int	 i;

	(void)state;
	for (i = 0; i < APP_MAX; i++)
		assert_string_equal(app_proto_name((enum app_proto)i), n[i]);
	assert_string_equal(app_proto_name(APP_MAX), "unknown");
	assert_string_equal(app_proto_name((enum app_proto)-1), "unknown");
}

/* Run every parser over b; the results must stay well-formed. */
static void
run_all(const uint8_t *b, size_t len)
{
	struct app_tls	 t;
	struct app_dns	 d;
	struct app_http	 h;
	struct app_ssh	 s;
	struct app_plain o;
	int		 a, dir, rc;

	rc = app_tls_client_hello(b, len, &t);
	assert_true(rc >= APP_BAD && rc <= APP_MORE);
	assert_true(STRLEN_OK(t.sni) && STRLEN_OK(t.ja3) && STRLEN_OK(t.ja4));
	assert_true(t.nversions <= TLS_VERSIONS_MAX);
	rc = app_tls_server_hello(b, len, &t);
	assert_true(rc >= APP_BAD && rc <= APP_MORE);
	rc = app_dns_parse(b, len, &d);
	assert_true(rc == APP_BAD || rc == APP_DONE);
	assert_true(STRLEN_OK(d.qname));
	rc = app_http_request(b, len, &h);
	assert_true(STRLEN_OK(h.method) && STRLEN_OK(h.uri) &&
	    STRLEN_OK(h.host) && STRLEN_OK(h.user_agent) &&
	    STRLEN_OK(h.version));
	if (rc == APP_DONE)
		assert_true(h.consumed > 0);
	rc = app_ssh_banner(b, len, &s);
	assert_true(STRLEN_OK(s.proto_version) && STRLEN_OK(s.software) &&
	    STRLEN_OK(s.comments));
	for (a = APP_UNKNOWN; a < APP_MAX; a++)
		for (dir = 0; dir < 2; dir++) {
			memset(&o, 0, sizeof(o));
			(void)app_plain_parse((enum app_proto)a, dir, b, len,
			    &o);
			assert_true(STRLEN_OK(o.user) &&
			    STRLEN_OK(o.command));
			/* twice, with the state of the first call */
			(void)app_plain_parse((enum app_proto)a, dir, b, len,
			    &o);
			assert_true(STRLEN_OK(o.user));
			assert_true(app_detect(PROTO_TCP, dir, b, len, 1,
			    a) < APP_MAX);
			assert_true(app_detect(PROTO_UDP, dir, b, len, 53,
			    a) < APP_MAX);
		}
}

struct sample {
	const uint8_t	*p;
	size_t		 len;
};

#define SAMPLE(a)	{ (a), sizeof(a) }
#define SAMPLE_S(s)	{ (const uint8_t *)(s), sizeof(s) - 1 }

static const struct sample samples[] = {
	SAMPLE(chrome34_ch), SAMPLE(chrome34_sh), SAMPLE(ech_ch),
	SAMPLE(ech_sh), SAMPLE(tls11_ch), SAMPLE(sslv2_ch), SAMPLE(sslv2_sh),
	SAMPLE(jdk_ch), SAMPLE(mtu300_ch), SAMPLE(dns_udp_q),
	SAMPLE(dns_udp_r), SAMPLE(dns_tcp_q), SAMPLE(dns_cookie_r),
	SAMPLE(dns_txt_r), SAMPLE(dns_zlip), SAMPLE(snmp_v1), SAMPLE(snmp_v3),
	SAMPLE(telnet_c1),
	SAMPLE_S("GET /a HTTP/1.1\r\nHost: [::1]:80\r\nUser-Agent: x\r\n"
	    "Content-Length: 3\r\n\r\nabcGET / HTTP/1.0\r\n\r\n"),
	SAMPLE_S("Hi\r\nSSH-2.0-OpenSSH_8.9p1 Ubuntu-3\r\n"),
	SAMPLE_S("220 FTP\r\nUSER a\r\nPASS b\r\nAUTH TLS\r\n"),
	SAMPLE_S("a1 LOGIN \"joe\" pw\r\na2 AUTHENTICATE PLAIN\r\n"
	    "AGFsaWNlAHB3\r\n"),
	SAMPLE_S("AUTH PLAIN AGFsaWNlAHB3\r\nDATA\r\n.\r\nSTARTTLS\r\n"),
	SAMPLE_S("\xff\xfb\x01login: \xff\xfa\x18\x00xterm\xff\xf0"
	    "Password:"),
};

/* Every truncation of every sample, each in an exact-size buffer. */
static void
test_fuzz_truncations(void **state)
{
	size_t	 i, n;
	uint8_t	*b;

	(void)state;
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		for (n = 0; n <= samples[i].len; n++) {
			b = dup_exact(samples[i].p, n);
			run_all(b, n);
			free(b);
		}
}

/* Random byte flips, insertions of hostile bytes and cuts. */
static void
test_fuzz_mutations(void **state)
{
	static const uint8_t hostile[] = { 0x00, 0xff, 0xc0, 0x3f, 0x80,
	    0x7f, 0x16, 0x0a, 0x0d, 0x20, 0x3a, 0x30 };
	uint32_t s = 0x1badb002;
	size_t	 i, k, n, iter, nflips;
	uint8_t	*b;

	(void)state;
	for (iter = 0; iter < 10000; iter++) {
		i = prng(&s) % (sizeof(samples) / sizeof(samples[0]));
		n = samples[i].len;
		if (prng(&s) % 4 == 0)
			n = prng(&s) % (n + 1);
		b = dup_exact(samples[i].p, n);
		nflips = 1 + prng(&s) % 4;
		for (k = 0; k < nflips && n > 0; k++) {
			if (prng(&s) % 2)
				b[prng(&s) % n] ^= (uint8_t)(1 <<
				    (prng(&s) % 8));
			else
				b[prng(&s) % n] = hostile[prng(&s) %
				    sizeof(hostile)];
		}
		run_all(b, n);
		free(b);
	}
}

/* Many records of one byte and many pointers must stay cheap. */
static void
test_worst_cases(void **state)
{
	uint8_t		*b;
	size_t		 n, i;
	struct app_tls	 t;
	struct app_dns	 d;

	(void)state;
	n = 5 * 4000;
	b = malloc(n);
	assert_non_null(b);
	for (i = 0; i < n; i += 5)
		memcpy(b + i, "\x16\x03\x01\x00\x01", 5);
	/* only headers: the byte after each header is the next header */
	assert_int_equal(app_tls_client_hello(b, n, &t), APP_BAD);
	free(b);

	/* a chain of pointers back through the header: 12, 10, 8, 6, 2, 0 */
	n = 18;
	b = calloc(1, n);
	assert_non_null(b);
	memcpy(b, "\x00\x00\xc0\x00\x00\x01\xc0\x02\xc0\x06\xc0\x08"
	    "\xc0\x0a\x00\x01\x00\x01", n);
	assert_int_equal(app_dns_parse(b, n, &d), APP_DONE);
	assert_string_equal(d.qname, "<Root>");
	b[13] = 0x0c;		/* 12 -> 12 */
	assert_int_equal(app_dns_parse(b, n, &d), APP_BAD);
	b[13] = 0x0a;
	b[11] = 0x0b;		/* 10 -> 11: into a label that runs past the end */
	assert_int_equal(app_dns_parse(b, n, &d), APP_BAD);
	free(b);

	/*
	 * A forward pointer, as in masscan's version.bind probe: resolvers
	 * follow it, so we read it too ("abc" then the 0 at offset 18).
	 */
	n = 22;
	b = calloc(1, n);
	assert_non_null(b);
	memcpy(b, "\x00\x01\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
	    "\x03" "abc" "\xc0\x12" "\x00\x10\x00\x03", n);
	assert_int_equal(app_dns_parse(b, n, &d), APP_DONE);
	assert_string_equal(d.qname, "abc");
	assert_int_equal(d.qtype, 16);
	/* Two pointers at each other: a loop, cut at the jump cap. */
	memcpy(b + 12, "\xc0\x0e\xc0\x0c", 4);
	assert_int_equal(app_dns_parse(b, n, &d), APP_BAD);
	free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_chrome34),
		cmocka_unit_test(test_tls_13_grease),
		cmocka_unit_test(test_tls_others),
		cmocka_unit_test(test_tls_fingerprint_cache),
		cmocka_unit_test(test_tls_multi_record),
		cmocka_unit_test(test_tls_empty_records),
		cmocka_unit_test(test_tls_sslv2),
		cmocka_unit_test(test_tls_server_hello),
		cmocka_unit_test(test_tls_bad),
		cmocka_unit_test(test_tls_version_names),
		cmocka_unit_test(test_dns_capture),
		cmocka_unit_test(test_dns_answers),
		cmocka_unit_test(test_dns_compression),
		cmocka_unit_test(test_dns_names),
		cmocka_unit_test(test_dns_names_random),
		cmocka_unit_test(test_dns_tables),
		cmocka_unit_test(test_http_requests),
		cmocka_unit_test(test_http_body_and_hosts),
		cmocka_unit_test(test_http_codings),
		cmocka_unit_test(test_http_bad_and_more),
		cmocka_unit_test(test_ssh_banner),
		cmocka_unit_test(test_plain_ftp),
		cmocka_unit_test(test_plain_pop3),
		cmocka_unit_test(test_plain_imap),
		cmocka_unit_test(test_plain_smtp),
		cmocka_unit_test(test_plain_telnet),
		cmocka_unit_test(test_plain_snmp),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_proto_names),
		cmocka_unit_test(test_fuzz_truncations),
		cmocka_unit_test(test_fuzz_mutations),
		cmocka_unit_test(test_worst_cases),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
