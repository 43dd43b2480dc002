import { ApiError, badRequest, unsupportedMediaType } from '../api-error.js';
import { isJsonObject, type JsonValue } from '../json-value.js';
import { applyJsonPatch, JsonPatchError } from '../patch/json-patch.js';
import { applyMergePatch } from '../patch/merge-patch.js';
import { applyStrategicMergePatch, StrategicMergePatchError } from '../patch/strategic-merge-patch.js';

export const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'] as const;

/** Applies a PATCH body of the given media type to the stored object's JSON. */
export function applyPatch(mediaType: string, current: JsonValue, patch: JsonValue, kind: string): JsonValue {
  let result: JsonValue;
  try {
    switch (mediaType) {
      case 'application/merge-patch+json':
        if (!isJsonObject(patch)) throw badRequest('a merge patch must be a JSON object');
        result = applyMergePatch(current, patch);
        break;
      case 'application/strategic-merge-patch+json':
        result = applyStrategicMergePatch(current, patch, kind);
        break;
      case 'application/json-patch+json':
        result = applyJsonPatch(current, patch);
        break;
      default:
        throw unsupportedMediaType(mediaType, PATCH_TYPES);
    }
  } catch (err) {
    if (err instanceof ApiError) throw err;
    if (err instanceof JsonPatchError || err instanceof StrategicMergePatchError) {
      throw new ApiError(422, 'Invalid', `the patch could not be applied: ${err.message}`);
    }
    throw err;
  }
  if (!isJsonObject(result) || !isJsonObject(result.metadata)) throw new ApiError(422, 'Invalid', 'the patched object has no metadata');
  return result;
}
