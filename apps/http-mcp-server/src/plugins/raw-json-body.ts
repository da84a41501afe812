import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Reads request bodies of the MCP routes as text (size-limited by Fastify's `bodyLimit`), whatever
 * the content type; the routes parse JSON themselves so that a bad body gets a JSON-RPC error, and
 * check the content type so that a wrong one gets 415.
 */
const rawJsonBody: FastifyPluginAsync = async (app) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    done(null, body);
  });
};

export default fp(rawJsonBody, { fastify: '5.x', name: 'mcs-raw-json-body' });
