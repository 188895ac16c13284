// Environment is read and validated once, when a function's module loads: a misconfigured
// deployment fails its first invocation with a message naming the variable, not halfway through.
import { z } from 'zod';

export const rolePathSchema = z.string().regex(/^\/([\w+=,.@-]+\/)*$/, 'must be an IAM path such as /capa-providers/');

export function readEnv<T extends z.ZodRawShape>(shape: T, source: NodeJS.ProcessEnv = process.env): z.infer<z.ZodObject<T>> {
  const result = z.object(shape).safeParse(source);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`Invalid environment: ${problems}`);
  }
  return result.data;
}

export const nonEmpty = z.string().min(1);
