import { elicitationTool } from './elicitation-tool.js';

/** SEP-1034: every primitive field of the requested schema carries a default. */
export const testElicitationSep1034DefaultsTool = elicitationTool(
  'test_elicitation_sep1034_defaults',
  'Requests elicitation with default values for all primitive types (SEP-1034)',
  {
    message: 'Please review and update the form fields with defaults',
    requestedSchema: {
      type: 'object',
      properties: {
        name: { type: 'string', description: 'User name', default: 'John Doe' },
        age: { type: 'integer', description: 'User age', default: 30 },
        score: { type: 'number', description: 'User score', default: 95.5 },
        status: {
          type: 'string',
          description: 'User status',
          enum: ['active', 'inactive', 'pending'],
          default: 'active',
        },
        verified: { type: 'boolean', description: 'Verification status', default: true },
      },
    },
  },
  'Elicitation completed: ',
);
