/** The contract's route table, as OpenAPI names its operations. */
export const CONTRACT_OPERATIONS = [
  'POST /users/',
  'GET /users/{email}',
  'DELETE /users/{email}',
  'GET /validation/{token}',
  'POST /validation/',
  'POST /validation/resend',
  'GET /health',
  'GET /users/{email}/emails',
  'GET /metrics',
  'POST /sign-in',
  'PUT /users/{email}/password',
  'GET /users/',
  'POST /password-reset/',
  'POST /password-reset/confirm',
  'GET /webhooks/deliveries',
]
