// Copyright sfjwt contributors. Licensed under Apache-2.0.
// jsforce, from npm, against the sfjwt emulator: a JWT bearer login with an assertion
// signed here (jsforce does not sign one itself), then identity, a query with
// autoFetch across pages, describe and a create.
//
// Run by interop/clients/run.py with the emulator's CA in NODE_EXTRA_CA_CERTS and INTEROP_URL,
// INTEROP_ISSUER, INTEROP_USERNAME, INTEROP_KEY_FILE set. jsforce takes the emulator's
// address as its loginUrl: no adapter.
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const jsforce = require('jsforce');

function check(condition, what) {
  if (!condition) {
    console.error(`jsforce: FAILED: ${what}`);
    process.exit(1);
  }
}

function assertion() {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = {
    iss: process.env.INTEROP_ISSUER,
    sub: process.env.INTEROP_USERNAME,
    aud: 'https://login.salesforce.com',
    exp: Math.floor(Date.now() / 1000) + 300,
  };
  const input = `${part({ alg: 'RS256' })}.${part(claims)}`;
  const key = fs.readFileSync(process.env.INTEROP_KEY_FILE);
  const signature = crypto.sign('sha256', Buffer.from(input), key).toString('base64url');
  return `${input}.${signature}`;
}

async function main() {
  // v50.0: what jsforce 1.x asked for, and many saved connections still do.
  const conn = new jsforce.Connection({ loginUrl: process.env.INTEROP_URL, version: '50.0' });
  const userInfo = await conn.authorize({
    grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
    assertion: assertion(),
  });
  check(conn.instanceUrl === process.env.INTEROP_URL, `instanceUrl ${conn.instanceUrl}`);
  console.log(`login: JWT bearer, user ${userInfo.id}, org ${userInfo.organizationId}, API ${conn.version}`);

  const identity = await conn.identity();
  check(identity.username === process.env.INTEROP_USERNAME, `identity ${JSON.stringify(identity)}`);
  console.log(`identity: ${identity.username} (${identity.user_id}), org ${identity.organization_id}`);

  const accounts = await conn.query('SELECT Name, Industry FROM Account ORDER BY Name');
  check(accounts.totalSize === 5 && accounts.records[0].Name === 'Acme Corporation', `accounts ${JSON.stringify(accounts)}`);
  console.log(`query: ${accounts.totalSize} Accounts: ${accounts.records.map((r) => r.Name).join(', ')}`);

  const invoices = [];
  await new Promise((resolve, reject) => {
    conn
      .query("SELECT Name FROM Invoice__c WHERE Name LIKE 'INV-%' ORDER BY Name")
      .on('record', (record) => invoices.push(record.Name))
      .on('end', resolve)
      .on('error', reject)
      .run({ autoFetch: true, maxFetch: 10000 });
  });
  check(invoices.length === 450, `${invoices.length} invoices across pages`);
  console.log(`query with autoFetch: ${invoices.length} Invoice__c records across nextRecordsUrl pages`);

  const described = await conn.sobject('Contact').describe();
  const fieldNames = described.fields.map((f) => f.name);
  check(fieldNames.includes('AccountId'), `Contact fields ${fieldNames}`);
  console.log(`describe: Contact fields ${fieldNames.join(', ')}`);

  const created = await conn.sobject('Contact').create({ FirstName: 'Grace', LastName: 'Hopper' });
  check(created.success && created.id.startsWith('003'), `create ${JSON.stringify(created)}`);
  const contact = await conn.sobject('Contact').retrieve(created.id);
  check(contact.LastName === 'Hopper', `retrieve ${JSON.stringify(contact)}`);
  console.log(`create/retrieve: Contact ${created.id} ${contact.FirstName} ${contact.LastName}`);
  console.log('jsforce: passed');
}

main().catch((error) => {
  console.error(`jsforce: FAILED: ${error.errorCode || ''} ${error.message}`);
  process.exit(1);
});
