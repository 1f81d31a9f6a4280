import { nightlyBake } from '../../src/workflows';
import { asideBuilderTermination, bakeCalls } from './helpers/expected-calls';
import { FakeToolset } from './helpers/fake-toolset';
import { eachStepFailsAndCancels, type StepCase } from './helpers/step-matrix';
import { deployRequest, EAST, finalStatus, imageNameOf, WEST, WorkflowTests } from './helpers/workflow-tests';


/** The undo steps of a bake into two regions: the report line and the call each makes. */
const undoSteps = (image: string) => ({
  copy: { report: `deregister image ${image} in ${WEST}`, call: `deregisterImage ${WEST} ${image}` },
  image: { report: `deregister image ${image} in ${EAST}`, call: `deregisterImage ${EAST} ${image}` },
  builder: { report: `terminate the builder in ${EAST}`, call: `terminateInstances ${EAST} builders of the run` },
});

/** Every step of the bake (baked in the east, copied to the west), its phase, and the undo steps a failure there runs, newest first. */
const STEPS: StepCase<keyof ReturnType<typeof undoSteps>>[] = [
  { step: 'check before any change', tool: 'preflight', type: 'PreflightFailed', phase: 'starting', undo: [] },
  { step: 'resolve the base image', tool: 'resolveBaseImage', type: 'BaseImageNotFound', phase: 'resolving', undo: [] },
  { step: 'launch the builder', tool: 'launchInstances', type: 'InstanceLost', phase: 'baking', undo: ['builder'] },
  { step: 'place the release on the builder', tool: 'syncCode', type: 'SyncFailed', phase: 'baking', undo: ['builder'] },
  { step: 'smoke test the builder', tool: 'smokeTest', type: 'SmokeTestFailed', phase: 'baking', undo: ['builder'] },
  { step: 'bake the image', tool: 'bakeAmi', type: 'ImageFailed', phase: 'baking', undo: ['image', 'builder'] },
  // The builder terminates beside the copy; its undo step stays until it is gone.
  { step: 'terminate the builder', tool: 'terminateInstances', match: (i) => !!i.instanceIds, type: 'WaitTimedOut', phase: 'copying', undo: ['copy', 'image', 'builder'], beside: 'the copy' },
  { step: 'copy the image', tool: 'copyAmi', type: 'ImageFailed', phase: 'copying', undo: ['copy', 'image', 'builder'], beside: 'the builder’s termination' },
];

describe('nightlyBake', () => {
  const tests = WorkflowTests.forThisFile();

  const request = () => deployRequest('bake', { regions: [EAST, WEST] });
  // A bake touches no fleet: a fake with none proves it never looks for one.
  const fake = () => new FakeToolset({ fleets: {} });

  it('bakes in the first region and copies to the others, touching no fleet', async () => {
    const tools = fake();
    await tests.run(tools, async ({ start }) => {
      const handle = await start(nightlyBake, request());
      const result = await handle.result();
      expect(asideBuilderTermination(tools.lines(), EAST)).toEqual({
        lines: ['preflight bake', ...bakeCalls(EAST, [EAST, WEST]), `copyAmi ${EAST}/ami-baked-${EAST} to ${WEST}`],
        termination: 'once, after the bake, before going live',
      });
      const [bake] = tools.callsOf('bakeAmi');
      expect(bake.input).toMatchObject({ imageName: imageNameOf(request(), handle), baseImageId: `ami-base-${EAST}` });
      expect(result).toEqual({
        procedure: 'bake', app: 'example-app', env: 'unit', version: '2.0.0',
        regions: [
          { region: EAST, imageId: `ami-baked-${EAST}`, instanceIds: [], retiredInstanceIds: [] },
          { region: WEST, imageId: `ami-copy-${WEST}`, instanceIds: [], retiredInstanceIds: [] },
        ],
      });
      const status = await finalStatus(handle);
      expect([status.phase, status.regions[EAST].phase, status.regions[WEST].phase]).toEqual(['done', 'done', 'done']);
    });
  });

  eachStepFailsAndCancels({
    tests,
    fake,
    start: ({ start }) => start(nightlyBake, request()),
    failureMessage: (cause) => `bake of example-app 2.0.0 to unit failed: ${cause}`,
    undo: (handle) => undoSteps(imageNameOf(request(), handle)),
    steps: STEPS,
  });
});
