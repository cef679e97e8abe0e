import { describe, expect, test } from 'vitest'
import { exportConfig, listEntities } from '../../../core/config/export.ts'
import { loadConfig } from '../../../core/config/load.ts'
import { isReference, resolveReference } from '../../../core/config/vault.ts'
import { fakePlugins } from './fake-plugins.ts'

const env = {
  MY_SECRET: 'plain',
  MY_SECRET_PREVIOUS: 'older',
  APP_TOKEN: 'prefixed',
  CREDS: JSON.stringify({ user: 'alice', port: 5 }),
}

describe('env vault references', () => {
  test("Kong's env rules: upper case, '-' to '_', prefix, #2, json key", () => {
    expect(resolveReference('{vault://env/my-secret}', env)).toEqual({ ok: true, value: 'plain' })
    expect(resolveReference('{vault://env/my-secret#2}', env)).toEqual({ ok: true, value: 'older' })
    expect(resolveReference('{vault://env/token?prefix=app_}', env)).toEqual({ ok: true, value: 'prefixed' })
    expect(resolveReference('{vault://env/creds/user}', env)).toEqual({ ok: true, value: 'alice' })
  })

  test('what does not resolve says why', () => {
    expect(resolveReference('{vault://env/nope}', env)).toMatchObject({ ok: false, message: expect.stringContaining('NOPE') })
    expect(resolveReference('{vault://env/creds/port}', env)).toMatchObject({ ok: false, message: expect.stringContaining('subfield') })
    expect(resolveReference('{vault://env/creds/missing}', env)).toMatchObject({ ok: false })
    expect(resolveReference('{vault://aws/x}', env)).toMatchObject({ ok: false, message: expect.stringContaining('could not find vault (aws)') })
  })

  test('only a whole string is a reference', () => {
    expect(isReference('{vault://env/x}')).toBe(true)
    expect(isReference('Bearer {vault://env/x}')).toBe(false)
  })

  test('the snapshot holds the secret; export and the Admin API show the reference', () => {
    const text = '_format_version: "3.0"\nplugins:\n- name: ai-proxy\n  config: { auth: { header_value: "{vault://env/my-secret}" }, model: { name: m } }\n'
    const snap = loadConfig(text, { plugins: fakePlugins, env })
    expect(snap.plugins[0].config).toMatchObject({ auth: { header_value: 'plain' } })
    expect(listEntities(snap, 'plugins')[0].config).toMatchObject({ auth: { header_value: '{vault://env/my-secret}' }, model: { name: 'm' } })
    const yaml = exportConfig(snap)
    expect(yaml).toContain('{vault://env/my-secret}')
    expect(yaml).not.toContain('plain')
    expect(snap.plugins[0].config).toMatchObject({ auth: { header_value: 'plain' } })
  })
})

test('a reference inside a longer string is resolved in place (a Tollgate extension)', () => {
  const text = '_format_version: "3.0"\nplugins:\n- name: ai-proxy\n  config: { auth: { header_value: "Bearer {vault://env/my-secret}" } }\n'
  const snap = loadConfig(text, { plugins: fakePlugins, env })
  expect(snap.plugins[0].config).toMatchObject({ auth: { header_value: 'Bearer plain' } })
  expect(listEntities(snap, 'plugins')[0].config).toMatchObject({ auth: { header_value: 'Bearer {vault://env/my-secret}' } })
})
