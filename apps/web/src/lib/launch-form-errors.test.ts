import { describe, expect, it } from "vitest";
import { launchErrorsFromServer } from "./launch-form-errors";

describe("launchErrorsFromServer", () => {
  it("puts zod field errors next to their fields", () => {
    const errors = launchErrorsFromServer({
      message: "invalid input",
      data: {
        code: "BAD_REQUEST",
        zodError: {
          formErrors: [],
          fieldErrors: {
            name: ["Experiment name is required"],
            epochs: ["must be a whole number from 1 to 100"],
          },
        },
      },
    });
    expect(errors).toEqual({
      fields: {
        name: "Experiment name is required",
        epochs: "must be a whole number from 1 to 100",
      },
      form: null,
    });
  });

  it("keeps the rest of a nested issue's path, naming a strategy by its place in the list", () => {
    const errors = launchErrorsFromServer({
      message: "invalid input",
      data: {
        code: "BAD_REQUEST",
        zodError: {
          formErrors: [],
          fieldErrors: {
            strategies: ["must be a number greater than 0 and at most 1"],
            training: ["must be a whole number from 0 to 8"],
          },
          issues: [
            {
              path: "strategies.1.learningRate",
              message: "must be a number greater than 0 and at most 1",
            },
            {
              path: "strategies.2.learningRate",
              message: "must be a number greater than 0 and at most 1",
            },
            {
              path: "training.augmentation.shiftPixels",
              message: "must be a whole number from 0 to 8",
            },
            { path: "epochs", message: "must be a whole number from 1 to 100" },
          ],
        },
      },
    });
    expect(errors).toEqual({
      fields: {
        strategies: "strategy 2, learningRate: must be a number greater than 0 and at most 1",
        training: "augmentation.shiftPixels: must be a whole number from 0 to 8",
        epochs: "must be a whole number from 1 to 100",
      },
      form: null,
    });
  });

  it("maps a service message that starts with a field name to that field", () => {
    const errors = launchErrorsFromServer({
      message: 'baseModel: no base model named "x"; available: lenet',
      data: { code: "BAD_REQUEST", zodError: null },
    });
    expect(errors.fields.baseModel).toBe('no base model named "x"; available: lenet');
    expect(errors.form).toBeNull();
  });

  it("puts a refused split budget under the training-images field", () => {
    const message =
      'trainPerClass: class "5" has only 863 images but trainPerClass (5000) + testPerClass (200) = 5200; lower them so they add up to at most 863';
    const errors = launchErrorsFromServer({
      message,
      data: { code: "BAD_REQUEST", zodError: null },
    });
    expect(errors.fields.trainPerClass).toBe(
      'class "5" has only 863 images but trainPerClass (5000) + testPerClass (200) = 5200; lower them so they add up to at most 863',
    );
    expect(errors.form).toBeNull();
  });

  it("maps a nested path to its top-level field", () => {
    const errors = launchErrorsFromServer({
      message: "strategies.partial.cut: no layer named conv9",
      data: { code: "BAD_REQUEST" },
    });
    expect(errors.fields.strategies).toBe("no layer named conv9");
  });

  it("keeps anything else as a form-level error", () => {
    expect(
      launchErrorsFromServer({
        message: "database is locked",
        data: { code: "INTERNAL_SERVER_ERROR" },
      }),
    ).toEqual({
      fields: {},
      form: "database is locked",
    });
    expect(
      launchErrorsFromServer({ message: "colour: not a field", data: { code: "BAD_REQUEST" } })
        .form,
    ).toBe("colour: not a field");
  });
});
