import { t } from 'elysia'
import { Password } from '../users/users.model'

export const PasswordBody = t.Object({ password: Password }, { additionalProperties: false })
