// @peculiar/x509, set up once for every file here: it needs a Reflect metadata polyfill and a WebCrypto.
//
// The library resolves its algorithms through tsyringe, which refuses to load without the Reflect metadata
// API (the library's README asks the application to import a polyfill before it), and it does its signing
// through whatever WebCrypto provider it is given; Node's is the one backed by OpenSSL.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto);

export { x509 };
