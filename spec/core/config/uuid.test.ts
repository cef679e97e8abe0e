import { expect, test } from 'vitest'
import { entityId, isUuid, uuidv5 } from '../../../core/config/uuid.ts'

test('uuidv5 matches the RFC 4122 / Python uuid5 vector', () => {
  // uuid.uuid5(uuid.NAMESPACE_DNS, 'www.example.com')
  expect(uuidv5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2')
})

test("entityId follows Kong's two-level namespace", () => {
  expect(entityId('services', 'my-service')).toBe('0855b320-0dd2-547d-891d-601e9b38647f')
  expect(entityId('consumers', '774f8446-6427-43f9-9962-ce7ab8097fe4')).toBe('68d5de9f-2211-5ed8-b827-22f57a492d0f')
})

test('isUuid accepts any version, refuses other shapes', () => {
  expect(isUuid('0855b320-0dd2-547d-891d-601e9b38647f')).toBe(true)
  expect(isUuid('0855b320-0dd2-547d-891d-601e9b38647')).toBe(false)
  expect(isUuid(42)).toBe(false)
})
