/**
 * Query strings arrive as text (`?limit=5` is the string "5"), while the intake's ajv instance
 * does not coerce types (a JSON body must carry real numbers). Routes with a `querystring` schema
 * use this compiler instead, which coerces scalars to the schema's types before validating.
 */
import Ajv from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

const coercing = new Ajv({ coerceTypes: true, removeAdditional: false, useDefaults: true, allErrors: false });

/** Route option `validatorCompiler` for routes whose only validated part is the query string. */
export const queryValidatorCompiler: FastifySchemaCompiler<object> = ({ schema }) => coercing.compile(schema);
